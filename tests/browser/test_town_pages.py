"""Two towns in a real browser: different names and branding, no accessibility violations."""

from __future__ import annotations

import pytest
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser


def _header_colour(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")


def test_two_towns_show_their_own_name_and_branding(live, page):
    page.goto(live.town_url("usingen"))
    usingen_title = page.locator(".site-brand__name").inner_text()
    usingen_colour = _header_colour(page)
    assert page.locator("img[src='/logo.svg']").evaluate("img => img.naturalWidth") > 0

    page.goto(live.town_url("glashuetten"))
    glashuetten_title = page.locator(".site-brand__name").inner_text()
    glashuetten_colour = _header_colour(page)

    assert usingen_title == "Stadt Usingen"
    assert glashuetten_title == "Gemeinde Glashütten"
    assert usingen_colour != glashuetten_colour
    assert usingen_colour == "rgb(155, 28, 28)"


@pytest.mark.parametrize("path", ["/", "/impressum", "/datenschutz", "/barrierefreiheit", "/gibt-es-nicht"])
@pytest.mark.parametrize("slug", ["usingen", "glashuetten"])
def test_town_pages_have_no_axe_violations(live, page, slug, path):
    page.goto(live.town_url(slug, path))
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def test_member_list_has_no_axe_violations(live, page):
    page.goto(live.url("localhost"))
    assert page.locator("a", has_text="Stadt Neu-Anspach").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def test_skip_link_is_the_first_focus_and_visible(live, page):
    page.goto(live.town_url("schmitten"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0


def test_english_pages_have_no_axe_violations(live, page):
    page.goto(live.town_url("usingen", "/sprache/en?weiter=/"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Digital town hall" in page.locator("h1").inner_text()
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
