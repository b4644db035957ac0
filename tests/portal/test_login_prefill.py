"""Answers from the login (BundID, Mein Unternehmenskonto) against the local SAML identity provider:
what the eID confirms is filled in and cannot be changed, not even by a hostile POST; what an account
without ID document gives is filled in and editable; the clerk sees which answers came from the
identity provider; services only for organisations refuse a person's login and offer the business login."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from amtsweg.cases.models import Case, Draft
from amtsweg.extensions import db
from amtsweg.processes import queries, services
from amtsweg.tenancy import all_tenants_context, tenant_context
from auth.saml_flow import OTHER_SAML_TOWN, SAML_TOWN, register_towns, saml_login, start_login
from cases.applying import DOG, PERSON, SLUG, csrf_of, send_step, start, submit
from conftest import tenant_info, town_client
from flask import Flask
from sqlalchemy import select
from support.logins import login_as
from support.saml_idp import answer_at_idp

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"
CLUB = "vereinsfoerderung"
LOCKED_NOTE = "Aus Ihrem BundID-Konto, bestätigt mit Online-Ausweis (eID) – nicht änderbar."
TAKEN_NOTE = "Aus Ihrem BundID-Konto übernommen. Sie können die Angabe ändern."
HOSTILE = {**PERSON, "vorname": "Mallory", "nachname": "Falsch", "geburtsdatum": "01.01.1990",
           "anschrift.street": "Fremdweg", "anschrift.house_number": "9"}


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


@pytest.fixture
def registered(app: Flask, saml_simulator) -> Flask:
    register_towns(app, saml_simulator, SAML_TOWN, OTHER_SAML_TOWN)
    return app


def _logged_in(app: Flask, person: str, niveau: int, konto: str = "bundid", town: str = SAML_TOWN):
    client = town_client(app, town)
    assert saml_login(app, client, person, niveau=niveau, konto=konto).status_code == 302
    return client


def _input(page: str, field_id: str) -> str:
    """The <input> tag with this id, or "" when there is none."""
    match = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    return html.unescape(match.group(0)) if match else ""


def _hint(page: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-herkunft">([^<]*)<', page)
    return html.unescape(match.group(1)) if match else ""


def _draft_answers(app: Flask) -> dict:
    with app.app_context(), all_tenants_context():
        return db.session.scalars(select(Draft)).one().answers


def _case(app: Flask) -> Case:
    with app.app_context(), all_tenants_context():
        return db.session.scalars(select(Case)).one()


# --------------------------------------------------------------------------- a person with the eID


def test_an_eid_login_shows_name_birth_date_and_address_read_only_with_where_they_come_from(registered):
    client = _logged_in(registered, "erika-eid", 4)
    assert start(client).status_code == 302
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    for field_id, shown in (("feld-vorname", "Erika"), ("feld-nachname", "Mustermann"),
                            ("feld-geburtsdatum", "12.08.1964"), ("feld-anschrift", "Marktplatz 1, 61267 Neu-Anspach")):
        tag = _input(page, field_id)
        assert f'value="{shown}"' in tag and "readonly" in tag and "name=" not in tag, tag
        assert _hint(page, field_id) == LOCKED_NOTE
    # The e-mail address is the person's own entry in the account: filled in, but editable.
    email = _input(page, "feld-email")
    assert 'name="email"' in email and 'value="erika.mustermann@example.org"' in email and "readonly" not in email
    assert _hint(page, "feld-email") == TAKEN_NOTE
    # Fields the login knows nothing about are as usual.
    assert 'name="telefon"' in _input(page, "feld-telefon") and _hint(page, "feld-telefon") == ""


def test_a_hostile_post_cannot_change_what_the_eid_confirms(registered):
    client = _logged_in(registered, "erika-eid", 4)
    start(client)
    assert send_step(client, 1, {**HOSTILE, "email": "erika@example.org"}).status_code == 302
    answers = _draft_answers(registered)
    assert (answers["vorname"], answers["nachname"], answers["geburtsdatum"]) == ("Erika", "Mustermann", "1964-08-12")
    assert answers["anschrift"] == {"street": "Marktplatz", "house_number": "1", "postal_code": "61267",
                                    "city": "Neu-Anspach"}
    assert answers["email"] == "erika@example.org"
    send_step(client, 2, DOG)
    send_step(client, 3, {"versicherung": "richtig"})
    review = client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    assert "Mallory" not in review and "01.01.1990" not in review and "12.08.1964" in review


def test_the_case_keeps_the_confirmed_answers_and_the_clerk_sees_which_came_from_the_identity_provider(registered):
    client = _logged_in(registered, "erika-eid", 4)
    start(client)
    send_step(client, 1, {**HOSTILE, "email": "erika@example.org"})
    send_step(client, 2, DOG)
    send_step(client, 3, {"versicherung": "richtig"})
    assert submit(client).status_code == 302
    case = _case(registered)
    assert case.answers["geburtsdatum"] == "1964-08-12" and case.applicant_name == "Erika Mustermann"
    assert case.identity_answers == {"vorname": "verified", "nachname": "verified", "geburtsdatum": "verified",
                                     "anschrift": "verified"}
    clerk = town_client(registered, SAML_TOWN)
    login_as(clerk, "clerk")
    page = clerk.get(f"/sachbearbeitung/vorgang/{case.reference}").get_data(as_text=True)
    assert "12.08.1964 <span class=\"kern-hint application-answers__origin\">" \
           "(vom Identitätsanbieter bestätigt, nicht änderbar)</span>" in page
    assert "erika@example.org <span" not in page  # typed by the person, not taken over


# --------------------------------------------------------------------------- without an ID document


def test_an_elster_login_fills_the_form_but_leaves_every_answer_editable(registered):
    client = _logged_in(registered, "max-elster", 3)
    start(client)
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    birth = _input(page, "feld-geburtsdatum")
    assert 'name="geburtsdatum"' in birth and 'value="31.01.1970"' in birth and "readonly" not in birth
    assert _hint(page, "feld-geburtsdatum") == TAKEN_NOTE
    assert 'value="Am Kurhaus"' in _input(page, "feld-anschrift-street")
    send_step(client, 1, {**PERSON, "vorname": "Max", "nachname": "Mustermann", "geburtsdatum": "30.01.1970"})
    assert _draft_answers(registered)["geburtsdatum"] == "1970-01-30"
    send_step(client, 2, DOG)
    send_step(client, 3, {"versicherung": "richtig"})
    submit(client)
    # Only what is still as the account gave it counts as the identity provider's.
    assert _case(registered).identity_answers == {"vorname": "taken_over", "nachname": "taken_over"}


def test_without_a_login_the_fields_are_ordinary(registered):
    client = town_client(registered, SAML_TOWN)
    start(client)
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    birth = _input(page, "feld-geburtsdatum")
    assert 'name="geburtsdatum"' in birth and 'value=""' in birth
    assert "herkunft" not in page and "readonly" not in page


def test_the_notes_are_in_english_too(registered):
    client = _logged_in(registered, "erika-eid", 4)
    client.get("/sprache/en")
    start(client)
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert _hint(page, "feld-geburtsdatum") == \
        "From your BundID account, confirmed with online ID card (eID) – cannot be changed."
    assert _hint(page, "feld-email") == "Taken from your BundID account. You can change it."
    assert 'value="12.08.1964"' in _input(page, "feld-geburtsdatum")


def test_a_login_on_one_town_fills_nothing_on_another_towns_form(registered):
    client = _logged_in(registered, "erika-eid", 4)
    # The session cookie carried over to the other town's host (a copied cookie) is no login there.
    cookie = client.get_cookie(registered.config["SESSION_COOKIE_NAME"], domain=f"{SAML_TOWN}.localhost")
    other = town_client(registered, OTHER_SAML_TOWN)
    other.set_cookie(cookie.key, cookie.value, domain=f"{OTHER_SAML_TOWN}.localhost")
    start(other)
    page = other.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert "readonly" not in page and "Erika" not in page and "herkunft" not in page


def test_an_assertion_for_one_towns_service_provider_is_refused_on_another_and_fills_nothing(registered):
    _, fields = answer_at_idp(start_login(town_client(registered, SAML_TOWN), niveau=4), "erika-eid")
    other = town_client(registered, OTHER_SAML_TOWN)
    refused = other.post("/anmelden/saml/acs", data=fields)
    assert refused.status_code == 303 and "fehler=unbekannt" in refused.headers["Location"]
    start(other)
    assert "readonly" not in other.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)


# --------------------------------------------------------------------------- services only for organisations


@pytest.fixture
def club_funding(registered: Flask, tmp_path: Path) -> Flask:
    """Club funding marked for organisations and offered by Neu-Anspach."""
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    definition = library / CLUB / "process.yaml"
    definition.write_text(definition.read_text(encoding="utf-8").replace(
        "kind: digital\n", "kind: digital\norganisation_account: true\n", 1), encoding="utf-8")
    with registered.app_context():
        services.sync_library(library)
        with tenant_context(tenant_info(registered, SAML_TOWN)):
            services.set_enabled(CLUB, True, actor="test")
            assert queries.enabled_process(CLUB).organisation_account
    return registered


def test_the_start_page_says_the_service_is_for_organisations(club_funding):
    page = town_client(club_funding, SAML_TOWN).get(f"/antrag/{CLUB}/").get_data(as_text=True)
    assert "Nur für Unternehmen und Organisationen" in page
    assert "Melden Sie sich dafür mit Mein Unternehmenskonto an" in page


def test_a_persons_bundid_login_is_refused_with_the_way_to_the_business_login(club_funding):
    client = _logged_in(club_funding, "erika-eid", 4)
    refused = start(client, CLUB)
    assert refused.status_code == 403
    page = html.unescape(refused.get_data(as_text=True))
    assert "Diese Leistung können nur Unternehmen, Vereine und andere Organisationen beantragen." in page
    # The business login asks for what the club funding form takes over (identification is added by it).
    assert re.search(r'href="/anmelden/saml/\?konto=muk&niveau=1&angaben=street_address,postal_code,locality,email'
                     r'&weiter=/antrag/vereinsfoerderung/">Mit Mein Unternehmenskonto anmelden</a>', page), page
    with club_funding.app_context(), all_tenants_context():
        assert db.session.scalars(select(Draft)).all() == []


def test_the_refusal_is_explained_in_english(club_funding):
    client = _logged_in(club_funding, "erika-eid", 4)
    client.get("/sprache/en")
    page = html.unescape(start(client, CLUB).get_data(as_text=True))
    assert "Only companies, associations and other organisations can apply for this service." in page
    assert "Log in with Mein Unternehmenskonto" in page


def test_without_a_login_the_organisation_service_leads_to_mein_unternehmenskonto(club_funding):
    response = start(town_client(club_funding, SAML_TOWN), CLUB)
    assert response.status_code == 302 and "konto=muk" in response.headers["Location"]


def test_an_organisation_login_fills_the_clubs_name_and_address_locked(club_funding):
    client = _logged_in(club_funding, "beispiel-bau", 3, konto="muk")
    page = client.get(f"/antrag/{CLUB}/").get_data(as_text=True)
    assert "Ihre Anmeldung erfüllt das." in page
    assert client.post(f"/antrag/{CLUB}/starten", data={"csrf_token": csrf_of(page)}).status_code == 302
    step = client.get(f"/antrag/{CLUB}/schritt/1").get_data(as_text=True)
    note = "Aus Ihrem Unternehmenskonto, bestätigt mit ELSTER-Organisationszertifikat (Mein Unternehmenskonto) " \
           "– nicht änderbar."
    name = _input(step, "feld-vereinsname")
    assert 'value="Beispiel Bau GmbH"' in name and "readonly" in name and _hint(step, "feld-vereinsname") == note
    assert 'value="Industriestraße 5, 61273 Wehrheim"' in _input(step, "feld-vereinsanschrift")
    assert 'value="Jan"' in _input(step, "feld-vorname")
    send_step(client, 1, {"vereinsname": "Andere GmbH", "vereinsanschrift.street": "X", "gemeinnuetzig": "nein",
                          "mitglieder_gesamt": "10", "mitglieder_jugend": "2", "funktion": "Vorstand",
                          "email": "jan.muster@beispiel-bau.example"}, slug=CLUB)
    answers = _draft_answers(club_funding)
    assert answers["vereinsname"] == "Beispiel Bau GmbH"
    assert answers["vereinsanschrift"]["city"] == "Wehrheim" and answers["nachname"] == "Muster"


# --------------------------------------------------------------------------- the library's business services

TRADE = "gewerbe-anmelden"


@pytest.fixture
def trade_registration(registered: Flask) -> Flask:
    """The library's Gewerbeanmeldung (marked for organisations there), offered by Neu-Anspach."""
    with registered.app_context():
        services.sync_library(LIBRARY)
        with tenant_context(tenant_info(registered, SAML_TOWN)):
            services.set_enabled(TRADE, True, actor="test")
            assert queries.enabled_process(TRADE).organisation_account
    return registered


def test_a_business_login_fills_the_company_name_premises_and_acting_person_of_the_trade_registration(
        trade_registration):
    client = _logged_in(trade_registration, "beispiel-bau", 3, konto="muk")
    page = client.get(f"/antrag/{TRADE}/").get_data(as_text=True)
    assert "Nur für Unternehmen und Organisationen" in page and "Ihre Anmeldung erfüllt das." in page
    assert client.post(f"/antrag/{TRADE}/starten", data={"csrf_token": csrf_of(page)}).status_code == 302
    step = client.get(f"/antrag/{TRADE}/schritt/1").get_data(as_text=True)
    name = _input(step, "feld-firmenname")
    assert 'value="Beispiel Bau GmbH"' in name and "readonly" in name
    answers = _draft_answers(trade_registration)
    assert answers["vorname"] == "Jan" and answers["nachname"] == "Muster"
    premises = answers["betriebsstaette"]
    assert premises["street"] == "Industriestraße" and premises["city"] == "Wehrheim"


def test_a_persons_login_is_refused_for_the_trade_registration(trade_registration):
    refused = start(_logged_in(trade_registration, "erika-eid", 4), TRADE)
    assert refused.status_code == 403
    assert "Diese Leistung können nur Unternehmen, Vereine und andere Organisationen beantragen." in \
        html.unescape(refused.get_data(as_text=True))


def test_a_business_login_chooses_the_legal_form_of_the_trade_registration_locked(trade_registration):
    client = _logged_in(trade_registration, "beispiel-bau", 3, konto="muk")
    page = client.get(f"/antrag/{TRADE}/").get_data(as_text=True)
    assert client.post(f"/antrag/{TRADE}/starten", data={"csrf_token": csrf_of(page)}).status_code == 302
    step = client.get(f"/antrag/{TRADE}/schritt/1").get_data(as_text=True)
    legal_form = _input(step, "feld-rechtsform")
    assert 'value="GmbH"' in legal_form and "readonly" in legal_form
    assert _hint(step, "feld-rechtsform").endswith("– nicht änderbar.")
    # A page sending another legal form changes nothing.
    send_step(client, 1, {"rechtsform": "einzelunternehmen"}, slug=TRADE)
    assert _draft_answers(trade_registration)["rechtsform"] == "gmbh"
