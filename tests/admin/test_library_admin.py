"""Cross-town process administration on admin.<base>: library, versions, diff, matrix, editor."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.extensions import db
from amtsweg.processes.models import Process
from amtsweg.tenancy import tenant_context
from conftest import TOWNS, host_client, tenant_info
from lxml import html as lxml_html
from sqlalchemy import select
from support.logins import csrf_token_of, login_as

PAGES = ["/bibliothek", "/bibliothek/gewerbe-anmelden", "/bibliothek/freischaltung",
         "/bibliothek/gewerbe-anmelden/bearbeiten"]


@pytest.fixture
def admin(app):
    client = host_client(app, "admin.localhost")
    login_as(client, "platform_admin", username="ikz-admin")
    return client


def _slugs(html: str) -> list[str]:
    return re.findall(r'href="/bibliothek/([a-z0-9-]+)">', html)


def test_library_lists_every_process_and_filters_by_search_area_kind_and_town(admin):
    everything = _slugs(admin.get("/bibliothek").get_data(as_text=True))
    assert len(everything) >= 80
    assert _slugs(admin.get("/bibliothek?suche=strasse").get_data(as_text=True)).count("sondernutzung-strasse") == 1
    external = _slugs(admin.get("/bibliothek?art=external").get_data(as_text=True))
    assert "kfz-zulassung" in external and "gewerbe-anmelden" not in external
    taxes = _slugs(admin.get("/bibliothek?bereich=steuern-gebuehren").get_data(as_text=True))
    assert "hundesteuer-anmelden" in taxes and "gewerbe-anmelden" not in taxes
    in_graevenwiesbach = _slugs(admin.get("/bibliothek?kommune=graevenwiesbach").get_data(as_text=True))
    assert "gruenschnitt-abholung" in in_graevenwiesbach and "sondernutzung-strasse" not in in_graevenwiesbach


def test_matrix_toggle_changes_one_town_and_is_audited_there(app, admin, client_for):
    page = admin.get("/bibliothek/freischaltung").get_data(as_text=True)
    assert 'data-town="usingen"' in page
    response = admin.post("/bibliothek/freischaltung/sondernutzung-strasse/graevenwiesbach",
                          data={"csrf_token": csrf_token_of(page), "enabled": "1"})
    assert response.status_code == 302
    assert client_for("graevenwiesbach").get("/leistungen/sondernutzung-strasse").status_code == 200
    assert client_for("glashuetten").get("/leistungen/sondernutzung-strasse").status_code == 404
    with app.app_context():
        with tenant_context(tenant_info(app, "graevenwiesbach")):
            events = db.session.scalars(select(AuditEvent).filter_by(object_type="process")).all()
        with tenant_context(tenant_info(app, "usingen")):
            elsewhere = db.session.scalars(select(AuditEvent).filter_by(object_type="process")).all()
    assert [(e.actor, e.action) for e in events] == [("ikz-admin (Verbund)", "process_enabled")]
    assert elsewhere == []


def test_matrix_shows_counts_per_town(admin):
    page = admin.get("/bibliothek/freischaltung").get_data(as_text=True)
    totals = dict(re.findall(r'data-town="([a-z-]+)">(\d+)<', page))
    assert int(totals["neu-anspach"]) > int(totals["usingen"]) > int(totals["graevenwiesbach"])


def test_editor_lists_errors_with_their_path(admin):
    page = admin.get("/bibliothek/gewerbe-anmelden/bearbeiten").get_data(as_text=True)
    source = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page, re.S).group(1)
    broken = html_lib.unescape(source).replace("kind: digital", "kind: analog")
    response = admin.post("/bibliothek/gewerbe-anmelden/bearbeiten",
                          data={"csrf_token": csrf_token_of(page), "source": broken, "aktion": "pruefen"})
    text = response.get_data(as_text=True)
    assert "<code>kind</code>: unknown kind &#39;analog&#39;" in text
    line = next(number for number, row in enumerate(broken.splitlines(), 1) if row.startswith("kind:"))
    assert f'>Zeile {line}</a>, <code>kind</code>' in text


def test_editor_previews_and_publishes_a_new_version_with_author_and_diff(admin, client_for):
    page = admin.get("/bibliothek/gewerbe-anmelden/bearbeiten").get_data(as_text=True)
    source = html_lib.unescape(re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page, re.S).group(1))
    changed = re.sub(r"processing_days: \d+", "processing_days: 9", source, count=1)
    token = csrf_token_of(page)
    preview = admin.post("/bibliothek/gewerbe-anmelden/bearbeiten",
                         data={"csrf_token": token, "source": changed, "aktion": "pruefen"}).get_data(as_text=True)
    assert "Die Definition ist gültig." in preview and "Vorschau" in preview
    # The preview is the form itself: the citizen's labels and inputs, not an outline of ids.
    form_preview = preview[preview.index('id="vorschau-titel"'):]
    assert "<fieldset class=\"kern-fieldset form-preview__page\" disabled>" in form_preview
    assert re.search(r'<label class="kern-label" for="feld-[a-z-]+">', form_preview)
    assert "(text, Pflicht)" not in form_preview

    published = admin.post("/bibliothek/gewerbe-anmelden/bearbeiten",
                           data={"csrf_token": token, "source": changed, "aktion": "veroeffentlichen"})
    assert published.status_code == 302
    detail = admin.get("/bibliothek/gewerbe-anmelden").get_data(as_text=True)
    assert "ikz-admin (Verbund)" in detail and "flask processes sync" in detail
    diff_link = re.search(r'href="(/bibliothek/gewerbe-anmelden/unterschied\?[^"]+)"', detail).group(1)
    diff = admin.get(diff_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "<ins>+processing_days: 9</ins>" in diff
    assert "9 Arbeitstage" in client_for("schmitten").get("/leistungen/gewerbe-anmelden").get_data(as_text=True)


def test_unknown_process_and_foreign_versions_are_404(admin):
    assert admin.get("/bibliothek/gibt-es-nicht").status_code == 404
    assert admin.get("/bibliothek/gewerbe-anmelden/unterschied?von=1&zu=999999").status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_need_a_platform_admin_login(app, path):
    response = host_client(app, "admin.localhost").get(path)
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("town", TOWNS)
def test_admin_pages_are_404_on_every_town_host_even_for_a_town_admin(client_for, path, town):
    client = client_for(town)
    login_as(client, "tenant_admin")
    assert client.get(path).status_code == 404


def test_editor_shows_the_payment_policy_and_names_the_line_of_an_unknown_one(admin):
    page = admin.get("/bibliothek/melderegisterauskunft-einfach/bearbeiten").get_data(as_text=True)
    source = html_lib.unescape(re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page, re.S).group(1))
    preview = admin.post("/bibliothek/melderegisterauskunft-einfach/bearbeiten",
                         data={"csrf_token": csrf_token_of(page), "source": source, "aktion": "pruefen"})
    assert "Zahlung der Gebühr: vor der Bearbeitung, direkt nach dem Absenden" in preview.get_data(as_text=True)
    broken = source.replace("payment: before_processing", "payment: vorab")
    text = admin.post("/bibliothek/melderegisterauskunft-einfach/bearbeiten",
                      data={"csrf_token": csrf_token_of(page), "source": broken, "aktion": "pruefen"}
                      ).get_data(as_text=True)
    line = next(number for number, row in enumerate(broken.splitlines(), 1) if row.startswith("payment:"))
    assert f'>Zeile {line}</a>, <code>payment</code>: unknown payment policy &#39;vorab&#39;' in text


def _link_texts(html: str, href: str) -> list[tuple[str, str | None]]:
    """The visible text of every link to ``href`` and the language it is marked with (its own or a span's)."""
    tree = lxml_html.fromstring(html)
    links = tree.xpath(f"//main//a[@href='{href}']")
    return [(" ".join(a.text_content().split()), a.get("lang") or next(iter(a.xpath(".//span/@lang")), None))
            for a in links]


def test_the_library_shows_service_titles_in_the_pages_language(admin):
    assert _link_texts(admin.get("/bibliothek").get_data(as_text=True), "/bibliothek/hundesteuer-anmelden") == [
        ("Hund zur Hundesteuer anmelden", None)]
    admin.get("/sprache/en")
    english = admin.get("/bibliothek").get_data(as_text=True)
    assert _link_texts(english, "/bibliothek/hundesteuer-anmelden") == [("Register a dog for dog tax", None)]
    assert "external service" in admin.get("/bibliothek?art=external").get_data(as_text=True)
    detail = lxml_html.fromstring(admin.get("/bibliothek/hundesteuer-anmelden").get_data(as_text=True))
    assert detail.findtext(".//h1").strip() == "Register a dog for dog tax"
    assert detail.findtext(".//title").startswith("Register a dog for dog tax")


def test_a_title_without_english_wording_stays_german_and_is_marked_so(app, admin):
    with app.app_context():
        process = db.session.scalar(select(Process).filter_by(slug="hundesteuer-anmelden"))
        process.title = {"de": "Hund zur Hundesteuer anmelden"}
        db.session.commit()
    admin.get("/sprache/en")
    assert _link_texts(admin.get("/bibliothek").get_data(as_text=True), "/bibliothek/hundesteuer-anmelden") == [
        ("Hund zur Hundesteuer anmelden", "de")]


def _matrix_row(html: str, slug: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """A matrix row's service link (visible text, marked language) and the texts of its toggle buttons."""
    (row,) = lxml_html.fromstring(html).xpath(f"//table[contains(@class, 'enablement-matrix')]//tr[@id='p-{slug}']")
    link = [(" ".join(a.text_content().split()), a.get("lang") or next(iter(a.xpath(".//span/@lang")), None))
            for a in row.xpath(f".//a[@href='/bibliothek/{slug}']")]
    return link, [" ".join(button.text_content().split()) for button in row.xpath(".//button")]


def test_the_enablement_matrix_shows_service_titles_in_the_pages_language(admin):
    link, buttons = _matrix_row(admin.get("/bibliothek/freischaltung").get_data(as_text=True), "hundesteuer-anmelden")
    assert link == [("Hund zur Hundesteuer anmelden", None)]
    assert buttons and all(": Hund zur Hundesteuer anmelden – " in text for text in buttons)
    admin.get("/sprache/en")
    link, buttons = _matrix_row(admin.get("/bibliothek/freischaltung").get_data(as_text=True), "hundesteuer-anmelden")
    assert link == [("Register a dog for dog tax", None)]
    assert buttons and all(": Register a dog for dog tax – " in text for text in buttons)
