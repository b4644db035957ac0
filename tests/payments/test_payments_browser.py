"""In a real browser: a citizen whose online payment was cancelled tries again, pays on the
simulator's own payment page, comes back and, asking for the status, sees "Zahlung eingegangen";
the town's cash office lists the payment, another town's cash office does not know its id. Every
page is axe-clean (WCAG 2.1 AA) on a desktop and a 390 px wide phone, also without JavaScript."""

from __future__ import annotations

import pytest
from payment_support import in_town, make_case, payments_of, start
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app_overrides(xbezahldienste_demo):
    return {"PAYMENT_SIMULATOR_URL": xbezahldienste_demo.url}


def _check(page, shots, name: str, javascript: bool) -> None:
    """axe (which runs as a script) and the overflow check where scripts run; screenshots always."""
    if javascript:
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    if javascript:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name}: overflow"
    page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _login(page, live, slug: str) -> None:
    page.goto(live.town_url(slug, "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill(f"kasse-{slug}")
    page.get_by_label("Kasse").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_citizen_retries_pays_on_the_providers_page_and_the_cash_office_lists_it(
        app, live, browser_context, xbezahldienste_demo, tmp_path, javascript):
    xbezahldienste_demo.reset()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    reference = make_case(app, "usingen")
    url, token = start(app, "usingen", reference)
    xbezahldienste_demo.choose(url, "abbrechen")

    page = browser_context.new_page()
    page.goto(live.town_url("usingen", f"/zahlung/{token}"))
    # The return address only shows what is booked; the citizen asks for the provider's word.
    assert page.locator("h1").inner_text() == "Zahlung wird geprüft"
    _check(page, shots, "zahlung-wird-geprueft", javascript)
    page.get_by_role("button", name="Zahlungsstatus prüfen").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Zahlung abgebrochen"
    assert "Es wurde nichts abgebucht" in page.locator("main").inner_text()
    _check(page, shots, "zahlung-abgebrochen", javascript)
    page.get_by_role("button", name="Online bezahlen").click()
    page.wait_for_url(f"{xbezahldienste_demo.url}/bezahlen/**")
    assert "Jetzt bezahlen" in page.content()
    page.screenshot(path=str(shots / "bezahlseite-simulator.png"), full_page=True)
    page.get_by_role("button", name="Jetzt bezahlen").click()
    page.wait_for_url(live.town_url("usingen", "/zahlung/**"))
    page.get_by_role("button", name="Zahlungsstatus prüfen").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Zahlung eingegangen"
    assert "Ihre Zahlung von 37,84\u00a0€ ist eingegangen" in page.locator("main").inner_text()
    _check(page, shots, "zahlung-eingegangen", javascript)
    with in_town(app, "usingen"):
        payment = payments_of(reference)[-1]
        assert (payment.attempt, payment.status) == (2, "paid")
        payment_id = payment.id

    _login(page, live, "usingen")
    page.goto(live.town_url("usingen", "/sachbearbeitung/zahlungen/"))
    assert page.get_by_role("link", name=reference).count() == 2  # the cancelled and the paid attempt
    _check(page, shots, "kasse-liste", javascript)
    page.goto(live.town_url("usingen", f"/sachbearbeitung/zahlungen/{payment_id}"))
    facts = page.locator("dl.payment-facts").inner_text()
    assert "Abgebrochen" not in facts and "Bezahlt" in facts
    _check(page, shots, "kasse-zahlung", javascript)

    _login(page, live, "schmitten")
    response = page.goto(live.town_url("schmitten", f"/sachbearbeitung/zahlungen/{payment_id}"))
    assert response.status == 404
    page.goto(live.town_url("schmitten", "/sachbearbeitung/zahlungen/"))
    assert reference not in page.locator("main").inner_text()
