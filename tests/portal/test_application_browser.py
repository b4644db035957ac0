"""A citizen applies in a real browser: conditional fields, a repeatable group and an upload, with
and without JavaScript, every page free of axe violations; the case belongs to that town only."""

from __future__ import annotations

import re

import pytest
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import select
from support.browser import axe_violations, describe_violations, live_server

pytestmark = pytest.mark.browser
SLUG = "hundesteuer-anmelden"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def server(app):
    with live_server(app) as running:
        yield running


def _open(chromium, javascript: bool):
    context = chromium.new_context(locale="de-DE", java_script_enabled=javascript)
    return context, context.new_page()


def _check(page, javascript: bool) -> None:
    # axe runs as script in the page, so it can only check the pages of the JavaScript run.
    if javascript:
        violations = axe_violations(page)
        assert violations == [], f"{page.url}\n{describe_violations(violations)}"


def _next(page) -> None:
    page.locator("button.kern-btn--primary[value='weiter']").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["mit-javascript", "ohne-javascript"])
def test_a_citizen_applies_with_a_dangerous_dog_and_a_permit(app, server, chromium, tmp_path, javascript):
    permit = tmp_path / "erlaubnis.pdf"
    permit.write_bytes(PDF)
    context, page = _open(chromium, javascript)
    page.goto(server.town_url("usingen", f"/antrag/{SLUG}/"))
    _check(page, javascript)
    page.get_by_role("button", name="Antrag starten").click()

    assert "Schritt 1 von 3" in page.content()
    _check(page, javascript)
    _next(page)
    assert page.locator("#fehlerliste[role='alert']").is_visible()
    assert page.locator("#fehlerliste a[href='#feld-vorname']").count() == 1
    _check(page, javascript)
    page.fill("#feld-vorname", "Erika")
    page.fill("#feld-nachname", "Mustermann")
    page.fill("#feld-geburtsdatum", "17.05.1980")
    page.fill("#feld-anschrift-street", "Marktplatz")
    page.fill("#feld-anschrift-house-number", "1")
    page.fill("#feld-anschrift-postal-code", "61250")
    page.fill("#feld-anschrift-city", "Usingen")
    page.fill("#feld-email", "erika@example.org")
    _next(page)

    assert "Schritt 2 von 3" in page.content()
    page.get_by_role("button", name="Weiteren Eintrag hinzufügen: Hund").click()
    assert page.get_by_text("Hund 2", exact=True).count() == 1
    page.get_by_role("button", name="Hund 2 entfernen").click()
    assert page.get_by_text("Hund 2", exact=True).count() == 0
    page.fill("#feld-hunde-0-name", "Bello")
    page.fill("#feld-hunde-0-rasse", "Staffordshire-Mischling")
    page.check("#feld-hunde-0-geschlecht")
    page.fill("#feld-hunde-0-geburtsdatum-hund", "01.03.2020")
    page.fill("#feld-hunde-0-gehalten-seit", "01.06.2021")
    page.check("#feld-hunde-0-gefaehrlich")
    _next(page)
    # The server now shows the questions that only apply to a dangerous dog; the error summary names
    # the one still to be answered.
    assert page.locator("legend", has_text="Warum gilt der Hund als gefährlich?").count() == 1
    assert page.locator("#fehlerliste a", has_text="Hund 1 – Warum gilt der Hund als gefährlich?: ").count() == 1
    _check(page, javascript)
    page.check("#feld-hunde-0-gefaehrlich-grund")
    page.check("#feld-hunde-0-erlaubnis-vorhanden")
    _next(page)
    page.fill("#feld-hunde-0-erlaubnis-behoerde", "Ordnungsamt Usingen, Az. 7/2024")
    page.set_input_files("#feld-hunde-0-erlaubnis-nachweis", str(permit))
    _check(page, javascript)
    _next(page)

    assert "Schritt 3 von 3" in page.content()
    page.check("#feld-versicherung")
    _next(page)

    assert "Angaben prüfen" in page.title()
    assert page.get_by_text("erlaubnis.pdf").count() == 1
    _check(page, javascript)
    page.check("#feld-datenschutz")
    page.check("#feld-wahrheit")
    page.get_by_role("button", name="Antrag verbindlich absenden").click()

    reference = page.locator("#aktenzeichen").inner_text()
    assert re.fullmatch(r"US-\d{4}-\d{6}", reference), reference
    _check(page, javascript)
    status_path = page.locator("#statuslink").get_attribute("href")
    page.locator("#statuslink").click()
    assert reference in page.locator("h1").inner_text()
    _check(page, javascript)

    with app.app_context():
        with tenant_context(tenant_info(app, "usingen")):
            [case] = db.session.scalars(select(Case)).all()
            assert case.reference == reference
            assert case.answers["hunde"][0]["erlaubnis_nachweis"][0]["name"] == "erlaubnis.pdf"
        with tenant_context(tenant_info(app, "schmitten")):
            assert db.session.scalars(select(Case)).all() == []
    response = page.goto(server.town_url("schmitten", status_path))
    assert response.status == 404
    context.close()
