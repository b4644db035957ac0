"""The form's layout as a citizen sees it in a real browser, on a desktop and on a 390-px phone:
legends stand above what they name, a group's item cards use the whole width, inputs are as wide as
their content (issue 11: #5, #8)."""

from __future__ import annotations

import pytest
from cases.applying import SLUG
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]
PERSON = {"#feld-vorname": "Erika", "#feld-nachname": "Mustermann", "#feld-geburtsdatum": "17.05.1980",
          "#feld-anschrift-street": "Marktplatz", "#feld-anschrift-house-number": "1",
          "#feld-anschrift-postal-code": "61250", "#feld-anschrift-city": "Usingen", "#feld-email": "erika@example.org"}
DOG = {"#feld-hunde-0-name": "Bello", "#feld-hunde-0-rasse": "Dackel", "#feld-hunde-0-geburtsdatum-hund": "01.03.2020",
       "#feld-hunde-0-gehalten-seit": "01.06.2021"}


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _start(live, page, width: int, answers: dict[str, str] | None = None) -> None:
    """Start the dog-tax application at ``width``; with ``answers``, fill the first step and go on."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.town_url("usingen", f"/antrag/{SLUG}/"))
    page.get_by_role("button", name="Antrag starten").click()
    if answers:
        for selector, value in answers.items():
            page.fill(selector, value)
        _next(page)


def _next(page) -> None:
    with page.expect_navigation():
        page.locator("button.kern-btn--primary[value='weiter']").click()


def _fits_the_screen(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_address_error_stands_below_its_legend_and_parts_fit_their_content(live, page, width):
    _start(live, page, width)
    _next(page)
    legend, error = _box(page, "#feld-anschrift > legend"), _box(page, "#feld-anschrift-fehler")
    assert error["y"] >= legend["y"] + legend["height"] - 1
    assert abs(error["x"] - legend["x"]) <= 1
    street, number = _box(page, "#feld-anschrift-street"), _box(page, "#feld-anschrift-house-number")
    postal_code, birthday = _box(page, "#feld-anschrift-postal-code"), _box(page, "#feld-geburtsdatum")
    assert number["width"] < postal_code["width"] < birthday["width"] < 200
    assert street["width"] > 300
    _fits_the_screen(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_group_items_use_the_whole_width_below_their_title(live, page, width):
    _start(live, page, width, PERSON)
    group_legend, card = _box(page, "#feld-hunde > legend"), _box(page, "#feld-hunde-0")
    item_legend, name = _box(page, "#feld-hunde-0 > legend"), _box(page, "#feld-hunde-0-name")
    # The card starts below the group's title, at its left edge, not beside it.
    assert card["y"] >= group_legend["y"] + group_legend["height"] - 1
    assert abs(card["x"] - group_legend["x"]) <= 1
    # "Hund 1" stands above the first field, which takes the card's whole inner width.
    assert page.locator("#feld-hunde-0 > legend").inner_text() == "Hund 1"
    assert name["y"] >= item_legend["y"] + item_legend["height"]
    assert name["width"] >= card["width"] - 2 * 16 - 4
    _fits_the_screen(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_declarations_on_the_review_page_stand_below_their_legend(live, page, width):
    _start(live, page, width, PERSON)
    for selector, value in DOG.items():
        page.fill(selector, value)
    page.check("#feld-hunde-0-geschlecht")
    page.check("#feld-hunde-0-gefaehrlich-2")
    _next(page)
    page.check("#feld-versicherung")
    _next(page)
    assert "Angaben prüfen" in page.title()
    with page.expect_navigation():
        page.get_by_role("button", name="Antrag verbindlich absenden").click()
    legend = _box(page, "legend:text('Erklärungen')")
    for checkbox in ("#feld-datenschutz", "#feld-wahrheit"):
        box = _box(page, checkbox)
        assert box["y"] >= legend["y"] + legend["height"] - 1
        assert abs(box["x"] - legend["x"]) <= 20
    _fits_the_screen(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_language_switch_on_a_step_keeps_what_was_typed(live, page, width):
    _start(live, page, width)
    page.fill("#feld-vorname", "Erika")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("#feld-vorname") == "Erika"
    assert page.locator("footer").get_by_role("link", name="Staff login").count() == 1
    _fits_the_screen(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_step_indicator_fits_the_screen_and_marks_the_current_step(live, page, width):
    _start(live, page, width, PERSON)
    steps = page.get_by_role("navigation", name="Schritt 2 von 3").get_by_role("listitem")
    assert steps.all_inner_texts() == ["Angaben zur Halterin oder zum Halter", "Angaben zu den Hunden",
                                       "Hinweise und Bestätigung", "Prüfen und absenden"]
    assert page.locator("[aria-current=step]").inner_text() == "Angaben zu den Hunden"
    _fits_the_screen(page, width)
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("[aria-current=step]").inner_text() == "Your dogs"
    _fits_the_screen(page, width)
