"""The SAML login in a real browser (Chromium): from the citizen account through the simulator's page
back to the account, which shows the level; every page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from auth.saml_flow import SAML_TOWN, register_towns
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


def _accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def test_a_level_4_person_logs_in_through_the_idp_page_and_sees_the_level(app, live, page, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN, port=live.port)
    page.goto(live.town_url(SAML_TOWN, "/buergerkonto/"))
    _accessible(page)
    page.get_by_role("link", name="Mit Nutzerkonto anmelden").click()
    page.wait_for_url(re.compile(r".*/anmelden/saml/\?.*"))
    assert page.get_by_role("heading", name="Anmelden mit BundID").is_visible()
    _accessible(page)
    page.get_by_role("button", name="Weiter zu BundID").click()
    page.wait_for_url(re.compile(re.escape(saml_simulator.base_url) + r"/bundid/sso\?.*"))
    _accessible(page)
    page.get_by_label("Erika Mustermann – Online-Ausweis (Vertrauensniveau hoch)").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r".*/buergerkonto/$"))
    assert page.locator("#identitaet").inner_text() == (
        "Identität geprüft mit BundID: Online-Ausweis (eID), Vertrauensniveau „hoch“.")
    assert "Angemeldet als Erika Mustermann." in page.content()
    _accessible(page)


@pytest.mark.parametrize("javascript", [False])
def test_the_login_works_without_javascript(app, live, page, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN, port=live.port)
    page.goto(live.town_url(SAML_TOWN, "/anmelden/saml/?niveau=3&weiter=/buergerkonto/"))
    page.get_by_role("button", name="Weiter zu BundID").click()
    page.get_by_label("Max Mustermann – ELSTER-Zertifikat (Vertrauensniveau substanziell)").check()
    page.get_by_role("button", name="Anmelden").click()
    # Without scripts the simulator's page waits for a click to post the response on.
    page.get_by_role("button", name="Weiter").click()
    page.wait_for_url(re.compile(r".*/buergerkonto/$"))
    assert "Vertrauensniveau „substanziell“" in page.content()
