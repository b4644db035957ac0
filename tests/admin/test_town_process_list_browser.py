"""A town admin's list of services in a real browser: a search and filters over the 80-odd services of
the library and on/off buttons that read as buttons, on a desktop and a 390-px phone (issue 11, #12)."""

from __future__ import annotations

import pytest
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


def _login(page, live) -> None:
    page.goto(live.town_url("usingen", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("admin-usingen")
    page.locator("input[value='tenant_admin']").check()
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_service_list_can_be_searched_and_its_buttons_read_as_buttons(live, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, live)
    page.goto(live.town_url("usingen", "/verwaltung/leistungen"))
    total = page.locator("tbody tr").count()
    button = page.locator("tbody button").first
    box = button.bounding_box()
    assert box["height"] >= 32 and box["width"] >= 80
    page.get_by_label("Suche").fill("Hund")
    page.get_by_role("button", name="Filtern").click()
    page.wait_for_load_state()
    titles = page.locator("tbody th").all_inner_texts()
    assert "Hund zur Hundesteuer anmelden" in titles and len(titles) < total / 4
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
