"""Data minimisation: a login made for a service asks BundID / Mein Unternehmenskonto only for the
attributes the service's form takes over (and what identification needs), the start page names them,
and only they are kept with the login; an address asking for more than the IdP knows is refused."""

from __future__ import annotations

import base64
import html
import re
import shutil
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from amtsweg.auth.saml.models import CitizenLogin
from amtsweg.extensions import db
from amtsweg.processes import queries, services
from amtsweg.tenancy import all_tenants_context, tenant_context
from auth.saml_flow import SAML_TOWN, finish, post_as_idp, register_towns
from cases.applying import SLUG, csrf_of, start
from conftest import tenant_info, town_client
from defusedxml import ElementTree
from flask import Flask
from sqlalchemy import select
from support.browser import check_at_both_widths
from support.saml_idp import answer_at_idp

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"
CLUB = "vereinsfoerderung"
AKDB = "{https://www.akdb.de/request/2018/09}"
SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
# BundID's names (OIDs) of what identification always needs, and of the birth date.
BPK2, GIVEN_NAME, FAMILY_NAME = "urn:oid:1.3.6.1.4.1.25484.494450.3", "urn:oid:2.5.4.42", "urn:oid:2.5.4.4"
TRUST_LEVEL, PROVED_BY = "urn:oid:1.2.40.0.10.2.1.1.261.94", "urn:oid:1.3.6.1.4.1.25484.494450.2"
BIRTH_DATE = "urn:oid:1.2.40.0.10.2.1.1.55"


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


@pytest.fixture
def few_attributes(app: Flask, saml_simulator, tmp_path: Path) -> Flask:
    """The dog-tax form taking over only name and birth date (no address, no e-mail), at level 3 in
    Neu-Anspach (SAML login)."""
    register_towns(app, saml_simulator, SAML_TOWN)
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    definition = library / SLUG / "process.yaml"
    text = definition.read_text(encoding="utf-8")
    for key in ("address", "email"):
        assert f"          prefill: {key}\n" in text
        text = text.replace(f"          prefill: {key}\n", "")
    definition.write_text(text, encoding="utf-8")
    with app.app_context():
        services.sync_library(library)
        with tenant_context(tenant_info(app, SAML_TOWN)):
            services.set_overrides(SLUG, {**queries.town_overrides(SLUG), "trust_level": 3}, actor="test")
    return app


def _listed(page: str) -> list[str]:
    """The items of the start page's list of what the login takes over."""
    section = re.search(r'<section id="angaben-aus-konto".*?</section>', page, re.S)
    assert section, page
    return [html.unescape(item) for item in re.findall(r"<li>([^<]*)</li>", section.group(0))]


def _authn_request(idp_url: str):
    query = parse_qs(urlsplit(idp_url).query)
    return ElementTree.fromstring(zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15))


def _login_page_button(client, location: str):
    """The SAML login page the service leads to, and its button's POST (answered with the IdP's URL)."""
    page = client.get(location)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    text = page.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', text))
    fields["csrf_token"] = csrf_of(text)
    response = client.post("/anmelden/saml/", data={key: html.unescape(value) for key, value in fields.items()})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return text, response.headers["Location"]


def test_the_authn_request_for_a_service_asks_only_for_its_attributes_and_identification(few_attributes):
    client = town_client(few_attributes, SAML_TOWN)
    to_login = start(client)
    assert to_login.status_code == 302
    login_page, idp_url = _login_page_button(client, to_login.headers["Location"])
    akdb = _authn_request(idp_url).find(f"{SAMLP}Extensions/{AKDB}AuthenticationRequest")
    wanted = {a.get("Name"): a.get("RequiredAttribute") for a in akdb.iter(f"{AKDB}RequestedAttribute")}
    assert wanted == {BPK2: "true", GIVEN_NAME: "true", FAMILY_NAME: "true", BIRTH_DATE: "false",
                      TRUST_LEVEL: "false", PROVED_BY: "false"}
    # The login page lists the same, nothing more.
    listed = re.search(r'<ul class="kern-list kern-list--bullet" id="angaben">(.*?)</ul>', login_page, re.S).group(1)
    assert re.findall(r"<li>([^<]*)</li>", listed) == [
        "Pseudonym Ihres BundID-Kontos (nötig)", "Vorname (nötig)", "Familienname (nötig)", "Geburtsdatum",
        "Vertrauensniveau", "Art der Anmeldung"]
    # The IdP answers with everything Erika has; the login keeps only what was asked for.
    action, fields = answer_at_idp(idp_url, "erika-eid")
    assert finish(client, post_as_idp(few_attributes, action, fields)).status_code == 302
    with few_attributes.app_context(), all_tenants_context():
        login = db.session.scalars(select(CitizenLogin)).one()
        assert sorted(login.attributes) == ["birth_date", "bpk2", "family_name", "given_name"]


def test_the_start_page_lists_what_the_login_takes_over(few_attributes):
    page = town_client(few_attributes, SAML_TOWN).get(f"/antrag/{SLUG}/").get_data(as_text=True)
    assert "Folgende Angaben werden aus Ihrem BundID-Konto übernommen, wenn Sie sich anmelden:" in page
    assert _listed(page) == ["Pseudonym Ihres BundID-Kontos", "Vorname", "Familienname", "Geburtsdatum",
                             "Vertrauensniveau", "Art der Anmeldung"]
    assert "Weitere Angaben fragt die Verwaltung dort für diesen Antrag nicht ab." in page


def test_the_start_page_lists_it_in_english_too(few_attributes):
    client = town_client(few_attributes, SAML_TOWN)
    client.get("/sprache/en")
    page = client.get(f"/antrag/{SLUG}/").get_data(as_text=True)
    assert "When you log in, the following details are taken from your BundID account:" in page
    assert _listed(page) == ["pseudonym of your BundID account", "First name", "Surname", "Date of birth",
                             "Trust level", "Login method"]
    assert "The administration requests no other details from it for this application." in page


def test_the_full_dog_tax_form_asks_for_its_address_and_e_mail_but_not_for_nationality(app, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN)
    page = town_client(app, SAML_TOWN).get(f"/antrag/{SLUG}/").get_data(as_text=True)
    listed = _listed(page)
    assert {"Geburtsdatum", "Straße und Hausnummer", "Postleitzahl", "Wohnort", "E-Mail-Adresse"} <= set(listed)
    assert "Staatsangehörigkeit" not in listed and "Geburtsort" not in listed and "Geburtsname" not in listed


def test_an_organisation_service_lists_what_mein_unternehmenskonto_sends(app, saml_simulator, tmp_path):
    register_towns(app, saml_simulator, SAML_TOWN)
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    definition = library / CLUB / "process.yaml"
    definition.write_text(definition.read_text(encoding="utf-8").replace(
        "kind: digital\n", "kind: digital\norganisation_account: true\n", 1), encoding="utf-8")
    with app.app_context():
        services.sync_library(library)
        with tenant_context(tenant_info(app, SAML_TOWN)):
            services.set_enabled(CLUB, True, actor="test")
    page = town_client(app, SAML_TOWN).get(f"/antrag/{CLUB}/").get_data(as_text=True)
    assert "Folgende Angaben werden aus Ihrem Unternehmenskonto übernommen" in page
    assert _listed(page) == ["Name der Organisation", "Straße und Hausnummer", "Postleitzahl", "Ort",
                             "Vorname der handelnden Person", "Familienname der handelnden Person", "E-Mail-Adresse"]


def test_a_login_address_asking_for_an_unknown_attribute_is_refused_and_starts_nothing(few_attributes):
    client = town_client(few_attributes, SAML_TOWN)
    response = client.get("/anmelden/saml/", query_string={"niveau": 3, "angaben": "birth_date,passwort",
                                                           "weiter": f"/antrag/{SLUG}/"})
    assert response.status_code == 400
    assert "Diese Angaben kann BundID nicht übermitteln: passwort." in html.unescape(response.get_data(as_text=True))
    page = client.get(f"/antrag/{SLUG}/").get_data(as_text=True)
    refused = client.post("/anmelden/saml/", data={"csrf_token": csrf_of(page), "konto": "bundid", "niveau": "3",
                                                   "angaben": "bpk2,steuer_id", "weiter": "/"})
    assert refused.status_code == 400
    with few_attributes.app_context(), all_tenants_context():
        assert db.session.scalars(select(CitizenLogin)).all() == []


def test_the_optional_login_on_the_start_page_asks_only_for_the_services_attributes_too(app, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN)
    client = town_client(app, SAML_TOWN)
    page = html.unescape(client.get(f"/antrag/{SLUG}/").get_data(as_text=True))
    link = re.search(r'href="([^"]*)">Mit Nutzerkonto anmelden</a>', page).group(1)
    to_login = client.get(link)
    assert to_login.status_code == 302
    query = parse_qs(urlsplit(to_login.headers["Location"]).query)
    assert query["angaben"] == ["birth_date,street_address,postal_code,locality,country,email"]
    assert query["weiter"] == [f"/antrag/{SLUG}/"]


@pytest.mark.browser
def test_the_start_page_with_the_list_is_accessible_at_both_widths(few_attributes, live, page, saml_simulator,
                                                                     tmp_path):
    register_towns(few_attributes, saml_simulator, SAML_TOWN, port=live.port)
    page.goto(live.town_url(SAML_TOWN, f"/antrag/{SLUG}/"))
    assert page.locator("#angaben-aus-konto li").all_inner_texts() == [
        "Pseudonym Ihres BundID-Kontos", "Vorname", "Familienname", "Geburtsdatum", "Vertrauensniveau",
        "Art der Anmeldung"]
    check_at_both_widths(page, tmp_path, "start-angaben")
