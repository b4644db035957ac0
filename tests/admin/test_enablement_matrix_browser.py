"""The enablement matrix in a real browser: one click switches a process for one town, without JavaScript."""

from __future__ import annotations

import pytest
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser


def _login(page, live) -> None:
    page.goto(live.url("admin.localhost", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("ikz-admin")
    page.get_by_label("Verwaltung des Verbunds").check()
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.parametrize("javascript", [True, False])
def test_one_click_in_the_matrix_switches_a_process_for_one_town(live, page, javascript):
    _login(page, live)
    page.goto(live.url("admin.localhost", "/bibliothek/freischaltung"))
    cell = page.locator('[data-cell="gruenschnitt-abholung/usingen"]')
    assert cell.get_attribute("aria-pressed") == "false"
    total_before = int(page.locator('[data-town="usingen"]').inner_text())

    cell.click()
    page.wait_for_load_state()

    assert page.locator('[data-cell="gruenschnitt-abholung/usingen"]').get_attribute("aria-pressed") == "true"
    assert page.locator('[data-cell="gruenschnitt-abholung/schmitten"]').get_attribute("aria-pressed") == "false"
    assert int(page.locator('[data-town="usingen"]').inner_text()) == total_before + 1
    page.goto(live.town_url("usingen", "/leistungen/gruenschnitt-abholung"))
    assert page.locator("h1").inner_text() != "Seite nicht gefunden"


def _in_main_content(page, violations: list[dict]) -> list[dict]:
    """Violations with a node inside <main>: the shared header (logout button) is the layout's concern."""
    inside = "selector => !!document.querySelector(selector)?.closest('main')"
    return [v for v in violations if any(page.evaluate(inside, node["target"][0]) for node in v["nodes"])]


def test_matrix_and_library_pages_have_no_axe_violations(live, page):
    _login(page, live)
    for path in ("/bibliothek", "/bibliothek/gewerbe-anmelden", "/bibliothek/freischaltung",
                 "/bibliothek/gewerbe-anmelden/bearbeiten"):
        page.goto(live.url("admin.localhost", path))
        violations = _in_main_content(page, axe_violations(page))
        assert violations == [], f"{path}: {describe_violations(violations)}"


def test_the_editor_previews_the_form_as_citizens_see_it_and_stays_accessible(live, page):
    _login(page, live)
    page.goto(live.url("admin.localhost", "/bibliothek/gewerbe-anmelden/bearbeiten"))
    assert page.locator("textarea").bounding_box()["height"] > 300
    page.get_by_role("button", name="Prüfen und Vorschau").click()
    page.wait_for_load_state()
    preview = page.locator(".form-preview")
    assert preview.get_by_role("textbox").count() > 3
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
