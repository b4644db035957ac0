"""The citizen catalogue /leistungen: only this town's enabled services, German-aware search,
service pages with the town's overrides, and few queries."""

from __future__ import annotations

import re
import tomllib

import pytest
from amtsweg.processes import services
from amtsweg.processes.queries import fold
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy import tenant_context
from conftest import TOWNS, counted_lookups, recorded_statements, tenant_info

# Offered in Usingen's tenant.toml but not in Grävenwiesbach's, and the other way round.
ONLY_USINGEN = "sondernutzung-strasse"
ONLY_GRAEVENWIESBACH = "gruenschnitt-abholung"


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="kern-heading-small"><a class="kern-link" href="/leistungen/([a-z0-9-]+)"', html)


def test_catalogue_lists_only_the_towns_enabled_services(client_for):
    usingen = _titles(client_for("usingen").get("/leistungen").get_data(as_text=True))
    graevenwiesbach = _titles(client_for("graevenwiesbach").get("/leistungen").get_data(as_text=True))
    neu_anspach = _titles(client_for("neu-anspach").get("/leistungen").get_data(as_text=True))

    assert ONLY_USINGEN in usingen and ONLY_USINGEN not in graevenwiesbach
    assert ONLY_GRAEVENWIESBACH in graevenwiesbach and ONLY_GRAEVENWIESBACH not in usingen
    assert len(neu_anspach) > len(usingen) > len(graevenwiesbach)
    assert set(usingen) <= set(neu_anspach)


def test_catalogue_shows_areas_with_counts_and_filters_by_area(client_for):
    client = client_for("usingen")
    page = client.get("/leistungen").get_data(as_text=True)
    counts = dict(re.findall(r'bereich=([a-z-]+)"[^>]*>[^<(]+\((\d+)\)', page))
    assert int(counts["steuern-gebuehren"]) >= 2

    filtered = client.get("/leistungen?bereich=steuern-gebuehren").get_data(as_text=True)
    slugs = _titles(filtered)
    assert len(slugs) == int(counts["steuern-gebuehren"])
    assert "hundesteuer-anmelden" in slugs and "gewerbe-anmelden" not in slugs
    assert client.get("/leistungen?bereich=gibt-es-nicht").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hund", "hundesteuer-anmelden"),
        ("HUNDESTEUER", "hundesteuer-anmelden"),
        ("gewerbe", "gewerbe-anmelden"),
        ("strasse", "sondernutzung-strasse"),
        ("Straße", "sondernutzung-strasse"),
        ("gruenschnitt", "gruenschnitt-abholung"),
        ("grünschnitt", "gruenschnitt-abholung"),
    ],
)
def test_search_ignores_case_and_umlaut_spelling(client_for, query, expected):
    page = client_for("neu-anspach").get("/leistungen", query_string={"suche": query}).get_data(as_text=True)
    assert expected in _titles(page)


def test_search_finds_nothing_for_unrelated_words_and_says_so(client_for):
    page = client_for("neu-anspach").get("/leistungen?suche=raumschiff").get_data(as_text=True)
    assert _titles(page) == []
    assert "Keine passende Leistung gefunden" in page


def test_search_puts_title_matches_first(client_for):
    page = client_for("neu-anspach").get("/leistungen?suche=hund").get_data(as_text=True)
    titles = re.findall(r'href="/leistungen/[a-z0-9-]+">([^<]+)</a></h3>', page)
    in_title = ["hund" in title.lower() for title in titles]
    assert in_title[:4] == [True] * 4
    assert in_title == sorted(in_title, reverse=True)


def test_fold_treats_umlauts_and_transliterations_alike():
    assert fold("Straße") == fold("STRASSE")
    assert fold("Gebühr") == fold("gebuehr") == fold("Gebuhr")
    assert fold("Grävenwiesbach") == fold("graevenwiesbach")


def test_service_page_shows_facts_with_the_towns_overrides(client_for):
    usingen = client_for("usingen").get("/leistungen/gewerbe-anmelden").get_data(as_text=True)
    assert "30,00 €" in usingen  # Usingen's fee override; the library says 26,00 €
    assert "26,00 €" not in usingen
    assert "Ordnungsamt – Gewerbeangelegenheiten" in usingen
    assert "gewerbe@usingen.example" in usingen
    assert 'href="/antrag/gewerbe-anmelden/"' in usingen
    assert "Rechtsgrundlage" in usingen and "Bearbeitungsdauer" in usingen

    schmitten = client_for("schmitten").get("/leistungen/gewerbe-anmelden").get_data(as_text=True)
    assert "26,00 €" in schmitten
    assert "Ordnungsamt – Gewerbeangelegenheiten" not in schmitten


def test_service_page_shows_required_documents_and_intro_override(client_for):
    page = client_for("graevenwiesbach").get("/leistungen/hundesteuer-anmelden").get_data(as_text=True)
    assert "innerhalb von zwei Wochen nach der Anschaffung" in page
    assert "Mikrochips" in page
    assert "Steueramt" in page


def test_external_service_links_out_with_a_marker(client_for):
    page = client_for("usingen").get("/leistungen/kfz-zulassung").get_data(as_text=True)
    assert "externer Dienst" in page
    link = re.search(r'<a class="kern-btn kern-btn--primary" href="(https://[^"]+)" rel="([^"]+)"', page)
    assert link is not None and "noopener" in link.group(2).split()
    assert "/antrag/kfz-zulassung/" not in page


@pytest.mark.parametrize("slug", TOWNS)
def test_service_not_enabled_in_a_town_is_404_there(client_for, slug):
    enabled_in = {"usingen", "schmitten", "neu-anspach"}
    status = client_for(slug).get(f"/leistungen/{ONLY_USINGEN}").status_code
    assert status == (200 if slug in enabled_in else 404)


def _offer(town: str) -> list[str] | str:
    config = tomllib.loads((REPOSITORY_ROOT / "tenants" / town / "tenant.toml").read_text(encoding="utf-8"))
    return config["processes"]["offer"]


SAMPLE = ["gewerbe-anmelden", "gewerbe-ummelden", "hundesteuer-ermaessigung", "kita-anmeldung", "jagdschein",
          "osterfeuer-anmelden", "baugenehmigung", "wohnsitz-anmelden", "bafoeg"]


@pytest.mark.parametrize("town", TOWNS)
def test_every_catalogue_route_enforces_the_towns_offer(client_for, town):
    offer = _offer(town)
    client = client_for(town)
    listed = set(_titles(client.get("/leistungen").get_data(as_text=True)))
    for slug in SAMPLE:
        offered = offer == "all" or slug in offer
        assert client.get(f"/leistungen/{slug}").status_code == (200 if offered else 404), slug
        assert (slug in listed) is offered, slug
        searched = _titles(client.get("/leistungen", query_string={"suche": slug.replace("-", " ")}).get_data(
            as_text=True))
        assert (slug in searched) is offered, slug


def test_unknown_service_is_404(client_for):
    assert client_for("usingen").get("/leistungen/gibt-es-nicht").status_code == 404


@pytest.mark.parametrize("host", ["localhost", "admin.localhost"])
def test_catalogue_is_not_served_on_the_member_list_or_admin_host(app, host):
    from conftest import host_client

    client = host_client(app, host)
    assert client.get("/leistungen").status_code == 404
    assert client.get("/leistungen/hundesteuer-anmelden").status_code == 404


def test_a_process_disabled_in_the_database_disappears_from_the_catalogue(app, client_for):
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        services.set_enabled("gewerbe-anmelden", False, actor="test")
    client = client_for("usingen")
    assert "gewerbe-anmelden" not in _titles(client.get("/leistungen").get_data(as_text=True))
    assert client.get("/leistungen/gewerbe-anmelden").status_code == 404
    assert client_for("schmitten").get("/leistungen/gewerbe-anmelden").status_code == 200


def test_start_page_links_to_the_catalogue(client_for):
    page = client_for("glashuetten").get("/").get_data(as_text=True)
    assert 'href="/leistungen"' in page


def test_full_catalogue_request_needs_at_most_two_queries(app, client_for):
    client = client_for("neu-anspach")
    client.get("/leistungen")  # warms the cached host → town lookup
    with recorded_statements(app) as statements:
        response = client.get("/leistungen?suche=a")
        full = client.get("/leistungen")
    assert response.status_code == full.status_code == 200
    assert len(_titles(full.get_data(as_text=True))) >= 80
    assert len(statements) <= 4, statements  # two requests, at most two queries each


def test_the_catalogue_links_its_services_without_building_a_url_for_each(app, client_for):
    client = client_for("usingen")
    client.get("/leistungen")
    with counted_lookups(app) as one_area:
        area_page = client.get("/leistungen?bereich=steuern-gebuehren").get_data(as_text=True)
    with counted_lookups(app) as every_area:
        page = client.get("/leistungen").get_data(as_text=True)

    assert len(_titles(page)) > len(_titles(area_page)) >= 2
    assert every_area["url_for"] == one_area["url_for"]
    assert "hundesteuer-anmelden" in _titles(page)


def test_repeated_views_of_the_catalogue_read_the_towns_offer_once(app, client_for):
    client = client_for("usingen")
    client.get("/leistungen")
    with recorded_statements(app) as statements:
        pages = [client.get(path)
                 for path in ("/leistungen", "/leistungen?suche=hund", "/leistungen?bereich=steuern-gebuehren")]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "hundesteuer-anmelden" in _titles(pages[1].get_data(as_text=True))
    assert statements == []


def test_a_service_switched_off_in_this_process_leaves_the_catalogue_at_once(app, client_for):
    usingen, schmitten = client_for("usingen"), client_for("schmitten")
    assert "gewerbe-anmelden" in _titles(usingen.get("/leistungen").get_data(as_text=True))
    assert "gewerbe-anmelden" in _titles(schmitten.get("/leistungen").get_data(as_text=True))

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        services.set_enabled("gewerbe-anmelden", False, actor="test")

    assert "gewerbe-anmelden" not in _titles(usingen.get("/leistungen").get_data(as_text=True))
    assert "gewerbe-anmelden" in _titles(schmitten.get("/leistungen").get_data(as_text=True))


def test_a_service_switched_off_by_another_process_leaves_the_catalogue_after_the_check_interval(
        app, client_for, monkeypatch):
    from amtsweg.extensions import db
    from amtsweg.processes import offers
    from amtsweg.processes.models import Process, ProcessEnablement
    from sqlalchemy import select, update

    client = client_for("usingen")
    assert "gewerbe-anmelden" in _titles(client.get("/leistungen").get_data(as_text=True))
    # A statement, not a flush of this process's objects: what another app process's commit looks like here.
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        process_id = db.session.scalar(select(Process.id).filter_by(slug="gewerbe-anmelden"))
        db.session.execute(update(ProcessEnablement).where(ProcessEnablement.process_id == process_id)
                           .values(enabled=False))
        db.session.commit()

    assert "gewerbe-anmelden" in _titles(client.get("/leistungen").get_data(as_text=True))
    later = offers.monotonic() + offers.CHECK_SECONDS + 1
    monkeypatch.setattr(offers, "monotonic", lambda: later)
    assert "gewerbe-anmelden" not in _titles(client.get("/leistungen").get_data(as_text=True))


def test_a_service_page_viewed_again_runs_no_statement_and_shows_the_towns_new_details_at_once(app, client_for):
    client = client_for("usingen")
    client.get("/leistungen/hundesteuer-anmelden")
    with recorded_statements(app) as statements:
        page = client.get("/leistungen/hundesteuer-anmelden").get_data(as_text=True)
    assert statements == []
    assert "Steueramt Usingen" not in page

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        services.set_overrides("hundesteuer-anmelden", {"department": "Steueramt Usingen"}, actor="test")

    assert "Steueramt Usingen" in client.get("/leistungen/hundesteuer-anmelden").get_data(as_text=True)
    assert "Steueramt Usingen" not in client_for("schmitten").get("/leistungen/hundesteuer-anmelden").get_data(
        as_text=True)


def test_after_the_check_interval_an_unchanged_offer_costs_one_small_statement(app, client_for, monkeypatch):
    from amtsweg.processes import offers

    client = client_for("usingen")
    client.get("/leistungen")
    later = offers.monotonic() + offers.CHECK_SECONDS + 1
    monkeypatch.setattr(offers, "monotonic", lambda: later)
    with recorded_statements(app) as statements:
        assert client.get("/leistungen").status_code == 200
        assert client.get("/leistungen").status_code == 200
    assert len(statements) == 1 and "max(process_enablement.updated_at)" in statements[0], statements
