"""In a real browser: a clerk requests a case's fee, the citizen's status page offers "Jetzt
bezahlen" and leads to the payment's page, and the clerk's case page shows the outstanding payment
in its overview. Every page is axe-clean (WCAG 2.1 AA) on a desktop and a 390 px wide phone."""

from __future__ import annotations

import pytest
from amtsweg.cases.models import Case
from amtsweg.cases.tokens import issue_case_token
from amtsweg.extensions import db
from payment_support import in_town
from support.browser import DESKTOP, check_at_both_widths, visible_text
from workbench.case_factory import make_case

pytestmark = pytest.mark.browser
FEE_PROCESS = "anwohnerparkausweis"  # offered by Usingen, workflow "fee"
FEES = [{"id": "gebuehr", "label": {"de": "Gebühr Parkausweis", "en": "Parking permit fee"}, "cents": 3000}]


def test_a_requested_fee_on_the_case_overview_and_the_citizens_pay_button(app, live, page, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=3000, fees=FEES)
    page.set_viewport_size(DESKTOP)
    page.goto(live.town_url("usingen", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("weber")
    page.get_by_label("Sachbearbeitung").check()
    page.get_by_role("button", name="Anmelden").click()
    page.goto(live.town_url("usingen", f"/sachbearbeitung/vorgang/{reference}"))
    page.get_by_role("button", name="Zahlung anfordern").click()
    page.wait_for_load_state()
    overview = visible_text(page.locator("#zahlung"))
    assert "Zahlung ausstehend" in overview and "30,00 €" in overview and "Offen" in overview
    check_at_both_widths(page, shots, "sachbearbeitung-zahlung-ausstehend")

    with in_town(app, "usingen"):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        status = f"/vorgang/{issue_case_token(case.id, 'mail')}"
        db.session.commit()
    citizen = page  # the status link needs no login
    citizen.goto(live.town_url("usingen", status))
    assert "Zahlung ausstehend: 30,00 €" in visible_text(citizen.locator("main"))
    check_at_both_widths(citizen, shots, "status-zahlung-ausstehend")
    citizen.get_by_role("button", name="Jetzt bezahlen").click()
    citizen.wait_for_url(live.town_url("usingen", "/zahlung/**"))
    assert reference in citizen.locator("main").inner_text()
    check_at_both_widths(citizen, shots, "zahlung-ueberweisung")
