"""The catalogue in a real browser: no accessibility violations (axe), search works without JavaScript."""

from __future__ import annotations

import pytest
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "path",
    [
        "/leistungen",
        "/leistungen?suche=hund",
        "/leistungen?suche=raumschiff",
        "/leistungen?bereich=standesamt",
        "/leistungen/gewerbe-anmelden",
        "/leistungen/hundesteuer-anmelden",
        "/leistungen/kfz-zulassung",
    ],
)
@pytest.mark.parametrize("slug", ["usingen", "glashuetten"])
def test_catalogue_pages_have_no_axe_violations(live, page, slug, path):
    page.goto(live.town_url(slug, path))
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


@pytest.mark.parametrize("javascript", [False], ids=["ohne-javascript"])
def test_searching_and_opening_a_service_without_javascript(live, page):
    page.goto(live.town_url("neu-anspach", "/"))
    page.get_by_role("link", name="Alle Leistungen ansehen").click()
    page.get_by_label("Leistung suchen").fill("strasse")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name="Sondernutzung").first.click()
    assert page.url.endswith("/leistungen/sondernutzung-strasse")
    assert page.get_by_role("link", name="Antrag starten").get_attribute("href") == "/antrag/sondernutzung-strasse/"
