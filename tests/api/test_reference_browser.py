"""The API reference in a real browser on a 390 px phone: its wide tables scroll, by keyboard too."""

from __future__ import annotations

import pytest
from support.browser import PHONE, axe_violations, check_at_both_widths, describe_violations

pytestmark = pytest.mark.browser

# Every element of the page whose content is wider or taller than the element and that scrolls.
SCROLLING = """() => [...document.querySelectorAll('*')].filter(element => {
    const style = getComputedStyle(element);
    return /(auto|scroll)/.test(style.overflowX + style.overflowY)
        && (element.scrollWidth > element.clientWidth || element.scrollHeight > element.clientHeight);
}).map(element => ({tabindex: element.getAttribute('tabindex'), role: element.getAttribute('role'),
                    name: element.getAttribute('aria-labelledby')}))"""


def test_every_scrolling_table_of_the_api_reference_is_a_named_region_reached_by_keyboard(live, page, tmp_path):
    page.set_viewport_size(PHONE)
    page.goto(live.town_url("usingen", "/api/referenz"))
    scrolling = page.evaluate(SCROLLING)
    assert scrolling, "on a phone some of the reference's tables are wider than the screen"
    assert all(region["tabindex"] == "0" and region["role"] == "region" and region["name"] for region in scrolling)
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    responses = page.get_by_role("region", name="GET /api/v1/cases Antworten", exact=True)
    responses.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # The browser may scroll smoothly: wait for the focused region to have moved.
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=5000)
    page.get_by_role("region", name="Felder von CaseDetail", exact=True).focus()
    check_at_both_widths(page, tmp_path, "api-reference")
