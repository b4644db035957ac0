"""SAML login with BundID and Mein Unternehmenskonto against the local simulator (pysaml2 + xmlsec1)."""

from __future__ import annotations

import pytest
from auth.saml_flow import SAML_TOWN, register_towns, saml_login
from conftest import town_client


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


@pytest.fixture
def registered(app, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN)
    return app


def test_a_level_4_person_logs_in_and_sees_the_level_on_the_account_page(registered):
    client = town_client(registered, SAML_TOWN)
    done = saml_login(registered, client, "erika-eid", niveau=4)
    assert done.status_code == 302, done.get_data(as_text=True)
    page = client.get("/buergerkonto/").get_data(as_text=True)
    assert "Erika Mustermann" in page
    assert "Vertrauensniveau „hoch“" in page
