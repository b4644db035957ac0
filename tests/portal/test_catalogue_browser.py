"""The catalogue in a real browser: no accessibility violations (axe), search works without JavaScript."""

from __future__ import annotations

import pytest
from support.browser import axe_violations, describe_violations, live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app):
    with live_server(app) as running:
        yield running


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="de-DE", java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


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
def test_catalogue_pages_have_no_axe_violations(server, page, slug, path):
    page.goto(server.town_url(slug, path))
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def test_searching_and_opening_a_service_without_javascript(server, chromium):
    context = chromium.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server.town_url("neu-anspach", "/"))
        page.get_by_role("link", name="Alle Leistungen ansehen").click()
        page.get_by_label("Leistung suchen").fill("strasse")
        page.get_by_role("button", name="Suchen").click()
        page.get_by_role("link", name="Sondernutzung").first.click()
        assert page.url.endswith("/leistungen/sondernutzung-strasse")
        assert page.get_by_role("link", name="Antrag starten").get_attribute("href") == "/antrag/sondernutzung-strasse/"
    finally:
        context.close()
