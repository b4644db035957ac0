"""The SAML login in a real browser (Chromium): from the citizen account through the simulator's page
back to the account, which shows the level; every page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from amtsweg.processes import queries, services
from amtsweg.tenancy import tenant_context
from auth.saml_flow import SAML_TOWN, register_towns
from cases.applying import SLUG
from conftest import tenant_info
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


def test_a_service_asking_for_substanziell_leads_through_the_login_into_the_form(app, live, page, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN, port=live.port)
    with app.app_context(), tenant_context(tenant_info(app, SAML_TOWN)):
        services.set_overrides(SLUG, {**queries.town_overrides(SLUG), "trust_level": 3}, actor="test")
    page.goto(live.town_url(SAML_TOWN, f"/antrag/{SLUG}/"))
    assert "mindestens mit dem Vertrauensniveau „substanziell“" in page.locator("#vertrauensniveau").inner_text()
    _accessible(page)
    page.get_by_role("button", name="Anmelden und Antrag starten").click()
    page.wait_for_url(re.compile(r".*/anmelden/saml/\?.*niveau=3.*"))
    page.get_by_role("button", name="Weiter zu BundID").click()
    page.get_by_label("Max Mustermann – ELSTER-Zertifikat (Vertrauensniveau substanziell)").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(rf".*/antrag/{SLUG}/$"))
    assert "Ihre Anmeldung erfüllt das." in page.locator("#vertrauensniveau").inner_text()
    _accessible(page)
    page.get_by_role("button", name="Antrag starten").click()
    page.wait_for_url(re.compile(rf".*/antrag/{SLUG}/schritt/1$"))
