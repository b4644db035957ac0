"""The statistics pages and the council report in a real browser, on a desktop and a 390-px phone, in
German and English: axe-core finds no violations (the charts are SVG with their numbers as tables)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from amtsweg.clock import today_in_germany
from statistics_data import add_case
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]
TOWN_PAGES = ["/verwaltung/statistik", "/verwaltung/statistik/bericht", "/verwaltung/statistik/ausblick"]


@pytest.fixture
def cases(app) -> None:
    start = today_in_germany().replace(month=1, day=1)
    add_case(app, "usingen", 1, start, channel="online", status="approved", decided=start + timedelta(days=3),
             due=start + timedelta(days=10))
    add_case(app, "usingen", 2, start + timedelta(days=40), channel="phone")


def _login(page, live, host: str, username: str, role_label: str) -> None:
    page.goto(live.url(host, "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label(role_label).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_towns_statistics_and_report_have_no_axe_violations(live, page, cases, width, language):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.town_url("usingen", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("admin-usingen")
    page.locator("input[value='tenant_admin']").check()
    # The login starts a new session: switch the language only once it has answered.
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    page.goto(live.town_url("usingen", f"/sprache/{language}?weiter=/verwaltung/statistik"))
    for path in TOWN_PAGES:
        page.goto(live.town_url("usingen", path))
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1
        violations = axe_violations(page)
        assert violations == [], f"{path}: {describe_violations(violations)}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_towns_side_by_side_have_no_axe_violations(live, page, cases, width):
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, live, "admin.localhost", "ikz-admin", "Verwaltung des Verbunds")
    page.goto(live.url("admin.localhost", "/statistik"))
    assert "Usingen" in page.locator("main").inner_text()
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
