"""/verwaltung/leistungen: a town administrator switches services and edits overrides of the own town."""

from __future__ import annotations

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.extensions import db
from amtsweg.processes import queries
from amtsweg.tenancy import tenant_context
from conftest import TOWNS, tenant_info
from sqlalchemy import select
from support.logins import csrf_token_of, login_as


@pytest.fixture
def admin_usingen(client_for):
    client = client_for("usingen")
    login_as(client, "tenant_admin", username="admin-usingen")
    return client


def _toggle(client, slug: str, enabled: str):
    page = client.get("/verwaltung/leistungen").get_data(as_text=True)
    return client.post(f"/verwaltung/leistungen/{slug}/freischaltung",
                       data={"csrf_token": csrf_token_of(page), "enabled": enabled})


def test_list_shows_the_whole_library_with_the_towns_state(admin_usingen):
    page = admin_usingen.get("/verwaltung/leistungen").get_data(as_text=True)
    assert 'id="p-gewerbe-anmelden"' in page and 'id="p-gruenschnitt-abholung"' in page
    assert page.count("nicht angeboten") > 20


def test_switching_off_hides_the_service_and_is_audited_in_the_own_town(app, admin_usingen, client_for):
    response = _toggle(admin_usingen, "gewerbe-anmelden", "0")
    assert response.status_code == 302
    assert client_for("usingen").get("/leistungen/gewerbe-anmelden").status_code == 404
    assert client_for("schmitten").get("/leistungen/gewerbe-anmelden").status_code == 200
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event = db.session.scalars(select(AuditEvent).filter_by(object_type="process")).one()
    assert (event.actor, event.action, event.object_id) == ("admin-usingen", "process_disabled", "gewerbe-anmelden")

    _toggle(admin_usingen, "gruenschnitt-abholung", "1")
    assert client_for("usingen").get("/leistungen/gruenschnitt-abholung").status_code == 200


def test_overrides_are_saved_and_shown_to_citizens(admin_usingen, client_for):
    page = admin_usingen.get("/verwaltung/leistungen/gewerbe-anmelden").get_data(as_text=True)
    assert 'value="30,00"' in page  # the current override from tenant.toml
    response = admin_usingen.post("/verwaltung/leistungen/gewerbe-anmelden", data={
        "csrf_token": csrf_token_of(page), "fee_gebuehr": "32,50", "department": "Gewerbeamt",
        "contact": "", "processing_days": "4", "intro_de": "Bitte vorab Termin vereinbaren.", "intro_en": "",
    })
    assert response.status_code == 302
    citizen = client_for("usingen").get("/leistungen/gewerbe-anmelden").get_data(as_text=True)
    assert "32,50 €" in citizen and "Gewerbeamt" in citizen and "4 Arbeitstage" in citizen
    assert "Bitte vorab Termin vereinbaren." in citizen
    english = client_for("usingen")
    english.get("/sprache/en")
    page = english.get("/leistungen/gewerbe-anmelden").get_data(as_text=True)
    assert "Bitte vorab Termin vereinbaren." not in page, "a German-only introduction stays off the English page"
    catalogue = english.get("/leistungen").get_data(as_text=True)
    assert "Citizen services" in catalogue and "Bürgerservice" not in catalogue


def test_invalid_overrides_are_refused_with_german_messages(app, admin_usingen):
    page = admin_usingen.get("/verwaltung/leistungen/gewerbe-anmelden").get_data(as_text=True)
    response = admin_usingen.post("/verwaltung/leistungen/gewerbe-anmelden", data={
        "csrf_token": csrf_token_of(page), "fee_gebuehr": "zwanzig", "processing_days": "900",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte korrigieren Sie Ihre Angaben" in html
    assert "Bitte geben Sie einen Betrag in Euro an" in html
    assert "zwischen 1 und 365" in html
    assert 'aria-describedby="processing_days-fehler"' in html
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert queries.enabled_process("gewerbe-anmelden").fee_overrides == {"gebuehr": 3000}


@pytest.mark.parametrize(("typed", "message"), [
    ("1.000.000,00", "Eine Gebühr darf höchstens 999.999,99 € betragen."),
    ("12.5", "Bitte geben Sie einen Betrag in Euro an, zum Beispiel 15,00."),
])
def test_an_amount_out_of_range_or_form_gets_its_own_message(app, admin_usingen, typed, message):
    page = admin_usingen.get("/verwaltung/leistungen/gewerbe-anmelden").get_data(as_text=True)
    html = admin_usingen.post("/verwaltung/leistungen/gewerbe-anmelden", data={
        "csrf_token": csrf_token_of(page), "fee_gebuehr": typed}).get_data(as_text=True)
    assert message in html
    assert f'value="{typed}"' in html


def test_thousands_separators_are_understood(app, admin_usingen):
    page = admin_usingen.get("/verwaltung/leistungen/gewerbe-anmelden").get_data(as_text=True)
    admin_usingen.post("/verwaltung/leistungen/gewerbe-anmelden", data={
        "csrf_token": csrf_token_of(page), "fee_gebuehr": "1.250,00 €"})
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert queries.enabled_process("gewerbe-anmelden").fee_overrides == {"gebuehr": 125000}


def test_a_post_without_csrf_token_is_refused(admin_usingen, client_for):
    response = admin_usingen.post("/verwaltung/leistungen/gewerbe-anmelden/freischaltung", data={"enabled": "0"})
    assert response.status_code == 400
    assert client_for("usingen").get("/leistungen/gewerbe-anmelden").status_code == 200


def test_without_login_the_page_sends_to_the_login(client_for):
    response = client_for("usingen").get("/verwaltung/leistungen")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


def test_a_clerk_without_the_admin_role_is_refused(client_for):
    client = client_for("usingen")
    login_as(client, "clerk")
    assert client.get("/verwaltung/leistungen").status_code == 403


@pytest.mark.parametrize("other", [t for t in TOWNS if t != "usingen"])
def test_a_session_of_one_town_is_not_an_admin_session_on_another(admin_usingen, app, other):
    from conftest import town_client

    client = town_client(app, other)
    # Host-only cookies: copy Usingen's session cookie to the other town's host explicitly.
    cookie = admin_usingen.get_cookie("session", domain="usingen.localhost")
    client.set_cookie("session", cookie.value, domain=f"{other}.localhost")
    response = client.get("/verwaltung/leistungen")
    assert response.status_code in (302, 404)
    assert b"p-gewerbe-anmelden" not in response.data


def test_the_town_admin_pages_are_404_on_the_admin_and_base_hosts(app):
    from conftest import host_client

    for host in ("admin.localhost", "localhost"):
        assert host_client(app, host).get("/verwaltung/leistungen").status_code == 404


def test_a_town_raises_the_login_a_service_needs_and_citizens_see_it(app, admin_usingen, client_for):
    page = admin_usingen.get("/verwaltung/leistungen/hundesteuer-anmelden").get_data(as_text=True)
    assert "Nötige Anmeldung (Vertrauensniveau)" in page
    assert "wie in der Bibliothek: keine Anmeldung nötig" in page and "Vertrauensniveau „hoch“" in page
    response = admin_usingen.post("/verwaltung/leistungen/hundesteuer-anmelden", data={
        "csrf_token": csrf_token_of(page), "trust_level": "4"})
    assert response.status_code == 302
    citizen = client_for("usingen").get("/antrag/hundesteuer-anmelden/").get_data(as_text=True)
    assert "Anmeldung nötig" in citizen and "mindestens mit dem Vertrauensniveau „hoch“" in citizen
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert queries.enabled_process("hundesteuer-anmelden").trust_level == 4


def test_a_trust_level_that_does_not_exist_is_refused_and_nothing_is_stored(app, admin_usingen):
    page = admin_usingen.get("/verwaltung/leistungen/hundesteuer-anmelden").get_data(as_text=True)
    response = admin_usingen.post("/verwaltung/leistungen/hundesteuer-anmelden", data={
        "csrf_token": csrf_token_of(page), "trust_level": "2"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bitte korrigieren Sie Ihre Angaben" in html and "Keine gültige Auswahl." in html
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert queries.enabled_process("hundesteuer-anmelden").trust_level is None


def test_a_town_chooses_when_the_fee_is_paid_and_an_unknown_choice_changes_nothing(app, admin_usingen):
    page = admin_usingen.get("/verwaltung/leistungen/melderegisterauskunft-einfach").get_data(as_text=True)
    assert "Zahlung der Gebühr" in page
    assert "wie in der Bibliothek: vor der Bearbeitung, direkt nach dem Absenden" in page
    refused = admin_usingen.post("/verwaltung/leistungen/melderegisterauskunft-einfach",
                                 data={"csrf_token": csrf_token_of(page), "payment": "sofort"})
    assert refused.status_code == 200 and "Bitte korrigieren Sie Ihre Angaben" in refused.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert queries.enabled_process("melderegisterauskunft-einfach").payment_policy == "before_processing"
    saved = admin_usingen.post("/verwaltung/leistungen/melderegisterauskunft-einfach",
                               data={"csrf_token": csrf_token_of(page), "payment": "optional"})
    assert saved.status_code == 302
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert queries.enabled_process("melderegisterauskunft-einfach").payment_policy == "optional"
