"""Workflow actions as registered objects: what a clerk's step does, seen on the case page, the
citizen's status page and in the delivered mails (HTML and text, links with the server's port)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.cases import workflow
from amtsweg.cases.models import Case
from amtsweg.cases.tokens import issue_case_token
from amtsweg.cases.workflow import ACTIONS, Actor, RequestPayment, perform, register_action
from amtsweg.extensions import db
from amtsweg.processes.schema import ACTION_TYPES
from amtsweg.tenancy import tenant_context
from conftest import host_client, sent_mails, tenant_info, town_client
from support.logins import csrf_token_of, login_as
from workbench.case_factory import make_case

FEE_PROCESS = "anwohnerparkausweis"  # offered by Usingen, workflow "fee"


def _clerk(app, host="usingen.localhost"):
    client = host_client(app, host)
    login_as(client, "clerk", username="weber")
    return client


def _step(client, reference, transition, text=""):
    page = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    return client.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                       data={"csrf_token": csrf_token_of(page), "nachricht": text})


def _status_path(app, reference):
    """A status link of the case, as the citizen would have it from a mail."""
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        token = issue_case_token(case.id, "mail")
        db.session.commit()
    return f"/vorgang/{token}"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_action_type_of_the_definition_format_is_a_registered_action():
    assert set(ACTIONS) == set(ACTION_TYPES)
    assert all(ACTIONS[name].type == name for name in ACTIONS)


def test_a_requested_payment_shows_as_outstanding_until_it_is_received(app):
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=3000,
                          fees=[{"id": "gebuehr", "label": {"de": "Gebühr", "en": "Fee"}, "cents": 3000}])
    clerk = _clerk(app)
    status = _status_path(app, reference)
    assert "Zahlung ausstehend" not in _text(clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))

    assert _step(clerk, reference, "request_payment").status_code == 303
    case_page = _text(clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    assert "Wartet auf Zahlung" in case_page and "Zahlung ausstehend 30,00 €" in case_page
    citizen_page = _text(town_client(app, "usingen").get(status).get_data(as_text=True))
    assert "Zahlung ausstehend: 30,00 €" in citizen_page
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case.transition")).one()
    assert event.details["payment_due_cents"] == 3000 and event.details["payment_provider"] is None

    assert _step(clerk, reference, "payment_received").status_code == 303
    assert "Zahlung ausstehend" not in _text(clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    assert "Zahlung ausstehend" not in _text(town_client(app, "usingen").get(status).get_data(as_text=True))


@pytest.fixture
def restore_actions():
    registered = dict(ACTIONS)
    yield
    ACTIONS.clear()
    ACTIONS.update(registered)


def test_the_payments_module_fills_the_request_payment_slot_by_registering_its_own_action(app, restore_actions):
    started = []

    @register_action
    class ProviderPayment(RequestPayment):
        def start_payment(self, step: workflow.Step) -> None:
            started.append((step.case.reference, step.case.fee_cents))
            step.details["payment_provider"] = "test-provider"

    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=4500)
    assert _step(_clerk(app), reference, "request_payment").status_code == 303
    assert started == [(reference, 4500)]
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case.transition")).one()
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
    assert event.details["payment_provider"] == "test-provider" and case.payment_requested_at is not None


def test_an_information_request_without_text_says_what_is_missing_and_changes_nothing(app):
    reference = make_case(app, "usingen")
    clerk = _clerk(app)
    _step(clerk, reference, "start")
    response = _step(clerk, reference, "request_information", "  ")
    page = _text(clerk.get(response.headers["Location"]).get_data(as_text=True))
    assert "Bitte schreiben Sie, welche Unterlagen oder Angaben fehlen." in page
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalars(db.select(Case.status)).one() == "in_progress"


def test_the_pause_start_is_held_on_the_case_and_moves_the_due_date(app):
    reference = make_case(app, "usingen", submitted_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    clerk = Actor("weber", ("clerk",))
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        perform(case, "start", clerk, today=date(2026, 3, 2))
        assert case.due_date == date(2026, 3, 16) and case.paused_at is None
        perform(case, "request_information", clerk, "Bitte den Impfpass.", today=date(2026, 3, 4))
        assert case.paused_at is not None
        case.paused_at = datetime(2026, 3, 4, 10, tzinfo=UTC)  # the day the request went out
        db.session.commit()
        perform(case, "resume", clerk, today=date(2026, 3, 11))
        # Five working days of waiting (4 to 11 March) are added to the due date.
        assert case.due_date == date(2026, 3, 23) and case.paused_at is None


def test_request_and_decision_mails_are_html_and_text_with_the_towns_layout_and_the_ports_link(app):
    reference = make_case(app, "usingen", applicant_name="Erika Muster")
    clerk = _clerk(app, "usingen.localhost:5000")
    _step(clerk, reference, "start")
    _step(clerk, reference, "request_information", "Bitte senden Sie den Impfpass.")
    _step(clerk, reference, "resume")
    _step(clerk, reference, "approve", "Die Marke liegt bei.")
    request_mail, decision_mail = sent_mails(app)
    assert request_mail["Subject"].startswith("Wir benötigen weitere Angaben")
    assert decision_mail["Subject"].startswith("Über Ihren Antrag wurde entschieden")
    for mail in (request_mail, decision_mail):
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        [link] = re.findall(r"https?://\S+/vorgang/\S+", text)
        assert link.startswith("http://usingen.localhost:5000/vorgang/")
        assert f'<a href="{link}">' in html
        assert "Stadt Usingen" in html and "#9b1c1c" in html and 'lang="de"' in html
        assert "Guten Tag Erika Muster" in _text(html)
    assert "Bitte senden Sie den Impfpass." in _text(request_mail.get_body(("html",)).get_content())
    assert town_client(app, "usingen").get(link.removeprefix("http://usingen.localhost:5000")).status_code == 200
