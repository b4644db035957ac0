"""The form filled from an eID login in a real browser (Chromium), on a desktop and a phone: the
confirmed answers are read-only fields named by their labels, each saying where it comes from; axe-core
finds nothing and nothing overflows."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from amtsweg.processes import services
from amtsweg.tenancy import tenant_context
from auth.saml_flow import SAML_TOWN, register_towns
from cases.applying import SLUG
from conftest import tenant_info
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser
WIDTHS = (1280, 390)
LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"
CLUB = "vereinsfoerderung"
TRADE = "gewerbe-anmelden"


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


def _accessible_and_fitting(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_eid_login_fills_the_form_with_read_only_fields_a_person_can_read(app, live, page, saml_simulator,
                                                                              width, tmp_path):
    register_towns(app, saml_simulator, SAML_TOWN, port=live.port)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.town_url(SAML_TOWN, f"/anmelden/saml/?niveau=4&weiter=/antrag/{SLUG}/"))
    page.get_by_role("button", name="Weiter zu BundID").click()
    page.get_by_label("Erika Mustermann – Online-Ausweis (Vertrauensniveau hoch)").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(rf".*/antrag/{SLUG}/$"))
    assert "was das Konto bestätigt, zum Beispiel Ihr Name, ist dort nicht änderbar" in \
        page.locator("#buergerkonto").inner_text()
    _accessible_and_fitting(page, width)
    page.get_by_role("button", name="Antrag starten").click()
    page.wait_for_url(re.compile(rf".*/antrag/{SLUG}/schritt/1$"))

    birth_date = page.get_by_label("Geburtsdatum")
    assert birth_date.input_value() == "12.08.1964" and not birth_date.is_editable()
    assert page.get_by_label("Anschrift (Haushalt, in dem der Hund lebt)").input_value() == \
        "Marktplatz 1, 61267 Neu-Anspach"
    assert page.locator("#feld-geburtsdatum-herkunft").inner_text() == \
        "Aus Ihrem BundID-Konto, bestätigt mit Online-Ausweis (eID) – nicht änderbar."
    email = page.get_by_label("E-Mail-Adresse")
    assert email.input_value() == "erika.mustermann@example.org" and email.is_editable()
    assert page.locator("#feld-email-herkunft").inner_text() == \
        "Aus Ihrem BundID-Konto übernommen. Sie können die Angabe ändern."
    _accessible_and_fitting(page, width)
    page.screenshot(path=str(tmp_path / f"prefilled-{width}.png"), full_page=True)

    page.get_by_role("button", name="Weiter", exact=True).click()
    page.wait_for_url(re.compile(rf".*/antrag/{SLUG}/schritt/2$"))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_persons_login_on_a_service_for_organisations_is_refused_with_the_business_login(
        app, live, page, saml_simulator, width, tmp_path):
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    definition = library / CLUB / "process.yaml"
    definition.write_text(definition.read_text(encoding="utf-8").replace(
        "kind: digital\n", "kind: digital\norganisation_account: true\n", 1), encoding="utf-8")
    with app.app_context():
        services.sync_library(library)
        with tenant_context(tenant_info(app, SAML_TOWN)):
            services.set_enabled(CLUB, True, actor="test")
    register_towns(app, saml_simulator, SAML_TOWN, port=live.port)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.town_url(SAML_TOWN, f"/antrag/{CLUB}/"))
    assert page.get_by_role("heading", name="Nur für Unternehmen und Organisationen").is_visible()
    _accessible_and_fitting(page, width)
    page.goto(live.town_url(SAML_TOWN, f"/anmelden/saml/?niveau=4&weiter=/antrag/{CLUB}/"))
    page.get_by_role("button", name="Weiter zu BundID").click()
    page.get_by_label("Erika Mustermann – Online-Ausweis (Vertrauensniveau hoch)").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(rf".*/antrag/{CLUB}/$"))
    page.get_by_role("button", name="Antrag starten").click()
    assert "nur Unternehmen, Vereine und andere Organisationen" in page.get_by_role("alert").inner_text()
    _accessible_and_fitting(page, width)
    page.screenshot(path=str(tmp_path / f"refused-{width}.png"), full_page=True)
    page.get_by_role("link", name="Mit Mein Unternehmenskonto anmelden").click()
    assert page.get_by_role("heading", name="Anmelden mit Mein Unternehmenskonto").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_business_login_shows_the_legal_form_read_only_and_the_fields_it_asks_for(
        app, live, page, saml_simulator, width, tmp_path):
    with app.app_context(), tenant_context(tenant_info(app, SAML_TOWN)):
        services.set_enabled(TRADE, True, actor="test")
    register_towns(app, saml_simulator, SAML_TOWN, port=live.port)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.town_url(SAML_TOWN, f"/anmelden/saml/?konto=muk&niveau=3&weiter=/antrag/{TRADE}/"))
    page.get_by_role("button", name="Weiter zu Mein Unternehmenskonto").click()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(rf".*/antrag/{TRADE}/$"))
    page.get_by_role("button", name="Antrag starten").click()
    page.wait_for_url(re.compile(rf".*/antrag/{TRADE}/schritt/1$"))
    legal_form = page.get_by_label("Rechtsform", exact=True)
    assert legal_form.input_value() == "GmbH" and not legal_form.is_editable()
    # The page's script reads the locked legal form too: a GmbH is asked for its representatives.
    assert page.get_by_text("Gesetzliche Vertreterinnen und Vertreter").first.is_visible()
    assert page.get_by_label("Name des Unternehmens").input_value() == "Beispiel Bau GmbH"
    _accessible_and_fitting(page, width)
    page.screenshot(path=str(tmp_path / f"legal-form-{width}.png"), full_page=True)
