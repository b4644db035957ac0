"""The account lists in a real browser: no accessibility violations, usable on a phone."""

from __future__ import annotations

import os

import pytest
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser


def _dev_login(page, url: str, username: str, role_label: str) -> None:
    page.goto(url + "/anmelden/entwicklung")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label(role_label).check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_towns_account_list_is_accessible_and_fits_a_phone(live, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    town = live.town_url("usingen").rstrip("/")
    _dev_login(page, town, "sb-u", "Sachbearbeitung")
    page.context.clear_cookies()
    _dev_login(page, town, "verwaltung-u", "Verwaltung der Kommune")
    page.goto(town + "/verwaltung/benutzer")
    assert page.locator("h1").inner_text() == "Benutzerkonten der Kommune"
    end_sessions = page.locator("tr", has_text="sb-u@").get_by_role("button", name="Alle Sitzungen beenden")
    assert end_sessions.is_visible()
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    if os.environ.get("AMTSWEG_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['AMTSWEG_SCREENSHOTS']}/konten-{width}.png", full_page=True)
    end_sessions.click()
    assert "Alle Sitzungen von sb-u wurden beendet." in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
