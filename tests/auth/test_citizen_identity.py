"""The interface pages use to ask who is logged in and how well identified (current_identity), and to
demand a level (require_level), exercised through a page that needs "hoch" (level 4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from amtsweg.auth.identity import current_identity, require_level
from auth.saml_flow import SAML_TOWN, register_towns, saml_login
from conftest import town_client
from flask import Flask, request


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


@pytest.fixture
def guarded(app: Flask, saml_simulator) -> Flask:
    """The app with a page that needs level 4 (as a form in round two will) and one showing the identity."""

    def needs_level() -> Any:
        level = int(request.args.get("niveau", "4"))
        response = require_level(level, organisation=request.args.get("organisation") == "1")
        if response is not None:
            return response
        identity = current_identity()
        return f"{identity.account.name} {identity.level.number} {identity.source.key} " \
               f"{identity.attributes.get('birth_date', '-')}"

    app.add_url_rule("/test/geschuetzt", "needs_level", needs_level)
    register_towns(app, saml_simulator, SAML_TOWN)
    return app


def test_without_a_login_the_page_sends_the_person_to_a_login_asking_for_its_level(guarded):
    response = town_client(guarded, SAML_TOWN).get("/test/geschuetzt")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/anmelden/saml/"
    assert parse_qs(target.query) == {"konto": ["bundid"], "niveau": ["4"], "weiter": ["/test/geschuetzt"]}


def test_a_weaker_login_is_sent_to_log_in_again_and_a_level_4_login_gets_the_page(guarded):
    client = town_client(guarded, SAML_TOWN)
    saml_login(guarded, client, "max-elster", niveau=3)
    again = client.get("/test/geschuetzt")
    assert again.status_code == 302 and "niveau=4" in again.headers["Location"]
    assert client.get("/test/geschuetzt?niveau=3").get_data(as_text=True) == "Max Mustermann 3 elster 1970-01-31"
    done = saml_login(guarded, client, "erika-eid", niveau=4, weiter="/test/geschuetzt")
    assert done.headers["Location"] == "/test/geschuetzt"
    assert client.get("/test/geschuetzt").get_data(as_text=True) == "Erika Mustermann 4 eid 1964-08-12"


def test_an_organisation_login_is_asked_of_mein_unternehmenskonto(guarded):
    client = town_client(guarded, SAML_TOWN)
    response = client.get("/test/geschuetzt?niveau=3&organisation=1")
    assert "konto=muk" in response.headers["Location"]
    saml_login(guarded, client, "beispiel-bau", konto="muk")
    assert client.get("/test/geschuetzt?niveau=3&organisation=1").get_data(as_text=True) \
        == "Beispiel Bau GmbH 3 organisation -"
    # A person's page is not opened by an organisation's login.
    assert client.get("/test/geschuetzt?niveau=1").status_code == 302


def test_a_town_without_a_login_that_gives_levels_explains_it(guarded):
    response = town_client(guarded, "usingen").get("/test/geschuetzt")
    assert response.status_code == 403
    assert "Vertrauensniveau „hoch“ nötig" in response.get_data(as_text=True)
