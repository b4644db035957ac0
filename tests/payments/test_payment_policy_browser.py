"""In a real browser: a fee due before processing — the confirmation page leads to the payment,
"Jetzt bezahlen" shows how to pay, and the clerks' queue shows the case as "Zahlung ausstehend".
Every page is axe-clean (WCAG 2.1 AA) on a desktop and a 390 px wide phone, in German and English."""

from __future__ import annotations

import pytest
from payment_support import PREPAID, apply_online
from support.browser import DESKTOP, check_at_both_widths, visible_text

pytestmark = pytest.mark.browser


def _take_over(client, page, live) -> None:
    """The browser continues the test client's session (the submitted application's receipt)."""
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live.town_url("usingen")}
                              for cookie in client._cookies.values()])


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_confirmation_leads_to_the_payment_and_the_queue_shows_it_outstanding(app, live, page, tmp_path,
                                                                                  locale):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    client, _ = apply_online(app, "usingen", PREPAID, locale=locale)
    _take_over(client, page, live)
    page.set_viewport_size(DESKTOP)
    page.goto(live.town_url("usingen", f"/antrag/{PREPAID}/eingang"))
    step = visible_text(page.locator(".application-pay-step"))
    if locale == "de":
        assert "Nächster Schritt: Gebühr bezahlen" in step
        assert "Ihr Antrag wird bearbeitet, sobald die Gebühr von 10,00 € bezahlt ist." in step
    else:
        assert "Next step: pay the fee" in step
        assert "Your application will be processed once the fee of €10.00 has been paid." in step
    check_at_both_widths(page, shots, f"eingang-bezahlen-{locale}")
    page.get_by_role("button", name="Jetzt bezahlen" if locale == "de" else "Pay now").click()
    page.wait_for_url(live.town_url("usingen", "/zahlung/**"))
    assert ("Bitte überweisen Sie den Betrag" if locale == "de" else "Please transfer the amount") in visible_text(
        page.locator("main"))
    check_at_both_widths(page, shots, f"zahlung-nach-eingang-{locale}")

    clerk = page.context.browser.new_context(locale="de-DE").new_page()
    clerk.goto(live.town_url("usingen", "/anmelden/entwicklung"))
    clerk.get_by_label("Benutzername").fill("weber")
    clerk.get_by_label("Sachbearbeitung").check()
    clerk.get_by_role("button", name="Anmelden").click()
    clerk.goto(live.town_url("usingen", "/sachbearbeitung/?status=awaiting_payment"))
    row = visible_text(clerk.locator("tbody tr").first)
    assert "Wartet auf Zahlung" in row and "Zahlung ausstehend" in row
    check_at_both_widths(clerk, shots, f"warteschlange-zahlung-ausstehend-{locale}")
    clerk.context.close()
