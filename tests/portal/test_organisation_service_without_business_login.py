"""Services for organisations (Gewerbeanmeldung) in towns whose login offers no Mein Unternehmenskonto:
Usingen logs citizens in with the state account (OpenID Connect), Glashütten with BundID only. There
the form stays open, to a citizen logged in or not, and the organisation's details are typed in by
hand, none of them locked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from amtsweg.auth.citizens import SECRET_VARIABLE
from amtsweg.cases.models import Draft
from amtsweg.extensions import db
from amtsweg.processes import queries
from amtsweg.tenancy import all_tenants_context, tenant_context
from cases.applying import csrf_of, send_step, start
from conftest import tenant_info, town_client
from flask import Flask
from sqlalchemy import select
from support.browser import check_at_both_widths
from support.oidc_provider import OidcClient, OidcProvider, citizen_client, default_clients, oidc_login
from support.services import require_executable, unavailable

pytestmark = pytest.mark.oidc

TRADE = "gewerbe-anmelden"
OIDC_TOWN = "usingen"
BUNDID_ONLY_TOWN = "glashuetten"
CITIZEN_CLIENT = citizen_client()
COMPANY = {"rechtsform": "gmbh", "firmenname": "Muster Software GmbH", "im_register_eingetragen": "nein",
           "gesetzliche_vertreter.0.vorname": "Max", "gesetzliche_vertreter.0.nachname": "Mustermann",
           "gesetzliche_vertreter.0.geburtsdatum": "31.01.1970", "gesetzliche_vertreter.0.funktion": "Geschäftsführer"}


@pytest.fixture(scope="module")
def oidc_clients() -> list[OidcClient]:
    return [*default_clients(), CITIZEN_CLIENT]


@pytest.fixture(scope="module")
def oidc_provider(oidc_clients, oidc_users) -> Iterator[OidcProvider]:
    provider = OidcProvider(require_executable("node"), oidc_clients, oidc_users)
    if not provider.installed:
        unavailable("the npm package oidc-provider is not installed")
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def app_overrides(oidc_provider, saml_simulator, saml_keys, monkeypatch):
    """Both logins configured, as in production: each town uses the one its tenant.toml names."""
    monkeypatch.setenv(SECRET_VARIABLE, CITIZEN_CLIENT.client_secret)
    return {"CITIZEN_OIDC_ISSUER": oidc_provider.issuer, "CITIZEN_OIDC_CLIENT_ID": CITIZEN_CLIENT.client_id,
            **saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


def _offered(app: Flask, town: str) -> None:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        assert queries.enabled_process(TRADE).organisation_account


def _oidc_login(client) -> None:
    response = client.get("/buergerkonto/anmelden", query_string={"weiter": f"/antrag/{TRADE}/"})
    assert response.status_code == 302
    callback = urlsplit(oidc_login(requests.Session(), response.headers["Location"], "buerger"))
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302


def _company_name_input(client) -> str:
    page = client.get(f"/antrag/{TRADE}/schritt/1").get_data(as_text=True)
    return html.unescape(re.search(r'<input[^>]*\bid="feld-firmenname"[^>]*>', page).group(0))


def _typed_in_by_hand(app: Flask, client) -> None:
    name = _company_name_input(client)
    assert "readonly" not in name and 'value=""' in name
    sent = send_step(client, 1, COMPANY, slug=TRADE)
    assert sent.status_code == 302, html.unescape(sent.get_data(as_text=True))[-3000:]
    assert sent.headers["Location"].endswith(f"/antrag/{TRADE}/schritt/2")
    with app.app_context(), all_tenants_context():
        answers = db.session.scalars(select(Draft)).one().answers
    assert answers["firmenname"] == "Muster Software GmbH" and answers["rechtsform"] == "gmbh"


def test_in_a_town_with_the_state_account_login_the_trade_registration_is_filled_in_by_hand(app):
    _offered(app, OIDC_TOWN)
    client = town_client(app, OIDC_TOWN)
    page = html.unescape(client.get(f"/antrag/{TRADE}/").get_data(as_text=True))
    assert "Die Angaben zu Ihrer Organisation geben Sie im Antrag selbst ein." in page
    assert "Nur für Unternehmen und Organisationen" not in page and "Mein Unternehmenskonto" not in page
    assert "Anmelden und Antrag starten" not in page and ">Antrag starten<" in page
    started = client.post(f"/antrag/{TRADE}/starten", data={"csrf_token": csrf_of(page)})
    assert started.status_code == 302 and started.headers["Location"].endswith(f"/antrag/{TRADE}/schritt/1")
    _typed_in_by_hand(app, client)


def test_a_citizen_logged_in_with_the_state_account_applies_for_the_trade_registration(app):
    _offered(app, OIDC_TOWN)
    client = town_client(app, OIDC_TOWN)
    _oidc_login(client)
    assert "Angemeldet als" in client.get("/buergerkonto/").get_data(as_text=True)
    assert start(client, TRADE).status_code == 302
    _typed_in_by_hand(app, client)


def test_the_note_is_in_english_too(app):
    client = town_client(app, OIDC_TOWN)
    client.get("/sprache/en")
    page = html.unescape(client.get(f"/antrag/{TRADE}/").get_data(as_text=True))
    assert "You enter your organisation's details in the form yourself." in page


def test_in_a_town_with_bundid_but_no_business_login_the_trade_registration_is_filled_in_by_hand(app,
                                                                                                  saml_simulator):
    _offered(app, BUNDID_ONLY_TOWN)
    client = town_client(app, BUNDID_ONLY_TOWN)
    page = client.get(f"/antrag/{TRADE}/").get_data(as_text=True)
    assert "Die Angaben zu Ihrer Organisation geben Sie im Antrag selbst ein." in page
    started = start(client, TRADE)
    assert started.status_code == 302 and started.headers["Location"].endswith(f"/antrag/{TRADE}/schritt/1")
    _typed_in_by_hand(app, client)


@pytest.mark.browser
def test_the_start_page_of_the_trade_registration_in_usingen_is_accessible_at_both_widths(app, live, page, tmp_path):
    page.goto(live.town_url(OIDC_TOWN, f"/antrag/{TRADE}/"))
    note = page.locator("#organisation").inner_text()
    assert "Die Angaben zu Ihrer Organisation geben Sie im Antrag selbst ein." in note
    check_at_both_widths(page, tmp_path, "gewerbe-usingen")
