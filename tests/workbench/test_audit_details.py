"""The audit log names the details of API keys, API calls, webhooks and payments in words of the
page's language: no recorded key (``scopes``, ``previous``, ``paid_on``) and no raw value
(``cases:read``, ``clerk``, ``open``) is shown to the team lead."""

from __future__ import annotations

import pytest
from amtsweg.audit.services import record
from amtsweg.extensions import db
from amtsweg.notifications import webhooks
from amtsweg.tenancy import tenant_context
from api.helpers import api, issue_key
from conftest import tenant_info
from lxml import html as lxml_html
from support.tables import data_table
from workbench.case_factory import make_case
from workbench.test_assignment_notes_and_log import staff

RAW = ("scopes", "roles", "expires_at", "events", "url", "method", "path", "status", "source", "previous",
       "paid_on", "note", "state", "cases:read", "team_lead", "case.status_changed", "reconcile", "2026-11-30")


@pytest.fixture
def app_overrides():
    return {"WEBHOOK_ALLOW_LOOPBACK": True}


def _town_events(app) -> str:
    reference = make_case(app, "usingen", 1)
    assert api(app, "usingen").get(f"/cases/{reference}").status_code == 200
    transition = api(app, "usingen").post(f"/cases/{reference}/transitions", json={"transition": "start"})
    assert transition.status_code == 200
    issue_key(app, "usingen", scopes=("cases:read",), roles=("team_lead",), name="Hundesteuer")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        webhooks.subscribe("Fachverfahren", "http://127.0.0.1:9/hook", ["case.status_changed"], "verwaltung-u")
        # As the payment services record a settled payment and a payment booked by hand.
        record("system", "payment.paid", "payment", 7, case=reference, source="reconcile", previous="open",
               amount_cents=4200)
        record("kasse-u", "payment.marked_paid_by_hand", "payment", 8, case=reference, paid_on="2026-11-30",
               note="Barzahlung an der Kasse")
        record("archiv", "aussonderung.0502_imported", "aussonderung", "P-1", state="assessed")
        db.session.commit()
    return reference


def _details(client, caption: str = "Protokolleinträge") -> dict[str, str]:
    """Each action's details column (the newest event of each action)."""
    _, rows = data_table(client.get("/sachbearbeitung/protokoll").get_data(as_text=True), caption)
    found: dict[str, str] = {}
    for row in rows:
        found.setdefault(row[2], row[4])
    return found


def _assert_in_words(details: dict[str, str]) -> None:
    for entries in details.values():
        for entry in entries.split("; "):
            name, _, value = entry.partition(": ")
            assert name not in RAW and value not in RAW, entry


def test_the_audit_log_names_key_webhook_and_payment_details_in_german_and_english(app):
    _town_events(app)
    lead = staff(app, "usingen", "lena", "team_lead")
    german = _details(lead)
    assert "Berechtigungen: Vorgänge lesen: Liste, Einzelheiten und Verlauf" in german["API-Schlüssel angelegt"]
    assert "Rollen: Teamleitung" in german["API-Schlüssel angelegt"]
    assert "gültig bis: " in german["API-Schlüssel angelegt"]
    assert "HTTP-Methode: POST" in german["Aufruf der API"] and "HTTP-Status: 200" in german["Aufruf der API"]
    assert "Ereignisse: Bearbeitungsstand eines Vorgangs geändert" in german["Webhook angelegt"]
    assert "Adresse: http://127.0.0.1:9/hook" in german["Webhook angelegt"]
    assert "Anlass: Abgleich" in german["Zahlung eingegangen"]
    assert "vorheriger Stand: Offen" in german["Zahlung eingegangen"]
    assert "bezahlt am: 30.11.2026" in german["Zahlungseingang von Hand gebucht"]
    assert "Vermerk: Barzahlung an der Kasse" in german["Zahlungseingang von Hand gebucht"]
    assert german["Bewertung des Archivs eingelesen"] == "Stand: bewertet"
    assert "Schritt: Bearbeitung beginnen; Kennung des Schritts: start" in german["Status geändert"]
    _assert_in_words(german)

    lead.get("/sprache/en")
    english = _details(lead, "Log entries")
    assert "Permissions: Read cases" in english["API key created"]
    assert "Roles: Team lead" in english["API key created"]
    assert "valid until: " in english["API key created"]
    assert "HTTP method: POST" in english["API call"] and "HTTP status: 200" in english["API call"]
    assert "Events: Status of a case changed" in english["Webhook created"]
    assert "Occasion: Reconciliation" in english["Payment received"]
    assert "previous state: Open" in english["Payment received"]
    assert "paid on: 30 Nov 2026" in english["Payment booked by hand"]
    assert "Note: Barzahlung an der Kasse" in english["Payment booked by hand"]
    assert english["Archive's appraisal read in"] == "Status: appraised"
    assert "Step: Start processing; Step identifier: start" in english["Status changed"]
    _assert_in_words(english)


def test_the_audit_log_shows_code_only_as_the_value_of_a_detail_named_in_words(app):
    reference = _town_events(app)
    lead = staff(app, "usingen", "lena", "team_lead")
    tree = lxml_html.fromstring(lead.get("/sachbearbeitung/protokoll").get_data(as_text=True))
    codes = tree.xpath("//tbody/tr/td[5]//code")
    # Identifiers a person may copy: the request's path, the step's identifier.
    assert {f"/api/v1/cases/{reference}", "start"} <= {code.text for code in codes}
    for code in codes:
        before = code.getprevious().tail if code.getprevious() is not None else code.getparent().text
        assert before is not None and before.endswith(": "), code.text
