"""Conditional fields in a real browser: the page's script shows and hides them while the citizen
answers, with the server's rules; without JavaScript the server alone decides (test_application_flow)."""

from __future__ import annotations

import pytest
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser
SLUG = "hundesteuer-anmelden"
REASON = "Warum gilt der Hund als gefährlich?"


def _to_dog_step(page, live) -> None:
    page.goto(live.town_url("usingen", f"/antrag/{SLUG}/"))
    page.get_by_role("button", name="Antrag starten").click()
    for selector, value in (("#feld-vorname", "Erika"), ("#feld-nachname", "Mustermann"),
                            ("#feld-geburtsdatum", "17.05.1980"), ("#feld-anschrift-street", "Marktplatz"),
                            ("#feld-anschrift-house-number", "1"), ("#feld-anschrift-postal-code", "61250"),
                            ("#feld-anschrift-city", "Usingen"), ("#feld-email", "erika@example.org")):
        page.fill(selector, value)
    page.locator("button.kern-btn--primary[value='weiter']").click()
    assert "Schritt 2 von 3" in page.content()


def test_a_conditional_question_appears_and_disappears_without_a_page_load(app, live, page):
    _to_dog_step(page, live)
    reason = page.get_by_text(REASON)
    assert reason.is_hidden()
    page.evaluate("window.samePage = true")

    page.check("#feld-hunde-0-gefaehrlich")  # "Ja"
    assert reason.is_visible()
    assert page.locator("#feld-hunde-0-gefaehrlich-grund").is_enabled()
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    page.check("#feld-hunde-0-gefaehrlich-2")  # "Nein"
    assert reason.is_hidden()
    # Hidden again: out of the tab order and not sent with the form.
    assert page.locator("#feld-hunde-0-gefaehrlich-grund").is_disabled()
    assert page.evaluate("window.samePage") is True


def test_an_answer_shown_by_the_script_is_accepted_by_the_server(app, live, page):
    _to_dog_step(page, live)
    for selector, value in (("#feld-hunde-0-name", "Bello"), ("#feld-hunde-0-rasse", "Staffordshire-Mischling"),
                            ("#feld-hunde-0-geburtsdatum-hund", "01.03.2020"),
                            ("#feld-hunde-0-gehalten-seit", "01.06.2021")):
        page.fill(selector, value)
    page.check("#feld-hunde-0-geschlecht")
    page.check("#feld-hunde-0-gefaehrlich")
    page.check("#feld-hunde-0-gefaehrlich-grund")
    page.locator("button.kern-btn--primary[value='weiter']").click()
    # The server asks what only applies now (the permit) but has the reason the script let through.
    assert page.locator("#feld-hunde-0-gefaehrlich-grund").is_checked()
    assert page.locator("#fehlerliste a[href='#feld-hunde-0-gefaehrlich-grund']").count() == 0
