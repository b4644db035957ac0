"""The workbench pages in a real browser, checked with axe-core (WCAG 2.1 AA): zero violations."""

from __future__ import annotations

from datetime import date

import pytest
from support.browser import axe_violations, describe_violations
from workbench.case_factory import make_case

pytestmark = pytest.mark.browser


def test_queue_case_log_and_intake_pages_have_no_axe_violations(app, live, page):
    reference = make_case(app, "usingen", 1, due_date=date(2026, 1, 5), status="in_progress")
    make_case(app, "usingen", 2)
    page.goto(live.town_url("usingen", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("lena")
    page.get_by_label("Teamleitung").check()
    page.get_by_role("button", name="Anmelden").click()
    page.goto(live.town_url("usingen", f"/sachbearbeitung/vorgang/{reference}"))
    page.get_by_label("Neue Notiz").fill("Rückruf vereinbart")
    page.get_by_role("button", name="Notiz speichern").click()
    page.get_by_role("button", name="Vorgang übernehmen").click()
    assert "Rückruf vereinbart" in page.content()
    for path in (f"/sachbearbeitung/vorgang/{reference}", "/sachbearbeitung/",
                 "/sachbearbeitung/?zustaendig=ich&sortierung=faelligkeit", "/sachbearbeitung/protokoll",
                 "/sachbearbeitung/erfassen/", "/sachbearbeitung/erfassen/hundesteuer-anmelden"):
        page.goto(live.town_url("usingen", path))
        violations = axe_violations(page)
        assert violations == [], f"{path}: {describe_violations(violations)}"
    # The intake page with its error summary.
    page.get_by_role("button", name="Antrag erfassen").last.click()
    assert page.locator(".kern-alert--danger").count() == 1
    violations = axe_violations(page)
    assert violations == [], f"intake with errors: {describe_violations(violations)}"


def test_the_case_page_at_phone_width_and_the_decision_confirmation_have_no_axe_violations(app, live, page):
    reference = make_case(app, "usingen", 1, due_date=date(2026, 1, 5), status="in_progress")
    page.goto(live.town_url("usingen", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("k.meier")
    page.get_by_label("Sachbearbeitung").check()
    page.get_by_role("button", name="Anmelden").click()
    page.set_viewport_size({"width": 390, "height": 900})
    for path in (f"/sachbearbeitung/vorgang/{reference}", "/sachbearbeitung/?ueberfaellig=1"):
        page.goto(live.town_url("usingen", path))
        violations = axe_violations(page)
        assert violations == [], f"{path} at 390 px: {describe_violations(violations)}"
    page.goto(live.town_url("usingen", f"/sachbearbeitung/vorgang/{reference}"))
    page.get_by_label("Begründung im Bescheid „Ablehnen“ (freiwillig)").fill("Die Voraussetzungen fehlen.")
    page.get_by_role("button", name="Ablehnen …").click()
    assert page.get_by_role("heading", level=1).inner_text() == "„Ablehnen“ wirklich ausführen?"
    violations = axe_violations(page)
    assert violations == [], f"confirmation: {describe_violations(violations)}"
    page.get_by_role("button", name="Ja, Ablehnen").click()
    assert "Ausgeführt: Ablehnen" in page.content()
    assert "Abgelehnt von k.meier" in page.content()
