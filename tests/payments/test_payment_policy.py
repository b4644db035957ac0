"""The payment policy of a process (``payment`` in process.yaml, a town may override it): a fee due
before processing is paid right after submitting — the confirmation page leads to it, the case
waits as "Zahlung ausstehend" in the clerks' queue and moves on by itself once the fee is booked;
an optional fee is offered but the case goes on; "none" keeps the clerk's request off the provider."""

from __future__ import annotations

import re

import pytest
from amtsweg.cases.models import Case
from amtsweg.cases.payment import POLICIES, policy_of
from amtsweg.clock import today_in_germany
from amtsweg.extensions import db
from amtsweg.payments import services
from amtsweg.processes.models import Process, ProcessEnablement
from amtsweg.processes.queries import enabled_process
from amtsweg.processes.schema import PAYMENT_POLICIES
from amtsweg.processes.services import override_problems
from conftest import town_client
from payment_support import PREPAID, apply_online, in_town, payments_of
from processes.test_process_library import errors_of, root, variant, write  # noqa: F401 (fixture)
from support.logins import csrf_token_of, login_as

AFTER = "anwohnerparkausweis"  # offered by Usingen, workflow "fee", no policy: after_decision


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _set_policy(app, slug: str, process: str, policy: str) -> None:
    with in_town(app, slug):
        row = db.session.scalars(db.select(ProcessEnablement).join(Process).where(Process.slug == process)).one()
        row.overrides = {**(row.overrides or {}), "payment": policy}
        db.session.commit()


def _case(app, slug: str) -> Case:
    with in_town(app, slug):
        case = db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()
        db.session.expunge(case)
        return case


# --------------------------------------------------------------------------- the definition


def test_every_policy_named_by_the_schema_is_registered():
    assert set(POLICIES) == set(PAYMENT_POLICIES)


def test_an_unknown_policy_in_process_yaml_is_reported_with_its_line(root):  # noqa: F811
    write(root, "probe", variant(workflow="fee", payment="vorher"))
    [(file, path, message)] = errors_of(root)
    assert (file, path) == ("probe/process.yaml", "payment")
    assert "unknown payment policy 'vorher'" in message
    assert "before_processing" in message and "after_decision" in message
    source = (root / "probe" / "process.yaml").read_text().splitlines()
    from amtsweg.processes.loader import load_library

    [problem] = load_library(root).errors
    assert source[problem.row - 1].startswith("payment: vorher")


def test_before_processing_needs_the_payment_received_step(root):  # noqa: F811
    write(root, "probe", variant(payment="before_processing"))  # workflow "standard" has none
    assert errors_of(root) == [("probe/process.yaml", "payment",
                                "payment 'before_processing' needs a workflow with a 'payment_received' "
                                "transition from awaiting_payment (e.g. workflow: fee)")]
    write(root, "probe", variant(workflow="fee", payment="before_processing"))
    assert errors_of(root) == []


def test_a_towns_override_of_the_policy_is_checked(app):
    with in_town(app, "usingen"):
        definition = enabled_process(AFTER).definition
    assert override_problems(definition, {"payment": "optional"}) == []
    assert override_problems(definition, {"payment": "sofort"}) == [
        ("payment", "unknown payment policy 'sofort' (allowed: none, optional, before_processing, after_decision)")]


# --------------------------------------------------------------------------- before processing


def test_a_fee_due_before_processing_leads_from_the_confirmation_to_the_payment(app):
    client, confirmation = apply_online(app, "usingen", PREPAID)
    text = _text(confirmation)
    assert "Nächster Schritt: Gebühr bezahlen" in text
    assert "Ihr Antrag wird bearbeitet, sobald die Gebühr von 10,00 € bezahlt ist." in text
    case = _case(app, "usingen")
    assert (case.status, case.fee_cents) == ("awaiting_payment", 1000)
    assert case.payment_requested_at is not None and case.paused_at is not None

    # The status page says the same.
    status = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', confirmation).group(1)
    status_text = _text(client.get(status).get_data(as_text=True))
    assert "Wartet auf Ihre Zahlung." in status_text and "Zahlung ausstehend: 10,00 €" in status_text

    # The clerks' queue shows it waiting.
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk")
    queue = _text(clerk.get("/sachbearbeitung/?status=awaiting_payment").get_data(as_text=True))
    assert case.reference in queue and "Zahlung ausstehend" in queue

    # "Jetzt bezahlen" on the confirmation page starts the payment (Usingen's test setup: transfer).
    paid = client.post(f"{status}/bezahlen", data={"csrf_token": csrf_token_of(confirmation)})
    assert paid.status_code == 303 and "/zahlung/" in paid.headers["Location"]
    instructions = _text(client.get(paid.headers["Location"]).get_data(as_text=True))
    assert "Bitte überweisen Sie den Betrag mit dem Kassenzeichen als Verwendungszweck." in instructions
    assert "10,00 €" in instructions

    # The cash office books it: the case moves on by itself, no longer outstanding.
    with in_town(app, "usingen"):
        services.mark_paid_by_hand(payments_of(case.reference)[0], "kasse", today_in_germany(), "Kontoauszug")
    case = _case(app, "usingen")
    assert (case.status, case.payment_requested_at) == ("in_progress", None)
    status_text = _text(client.get(status).get_data(as_text=True))
    assert "Zahlung ausstehend" not in status_text
    queue = _text(clerk.get("/sachbearbeitung/").get_data(as_text=True))
    assert case.reference in queue and "Zahlung ausstehend" not in queue


def test_the_confirmations_pay_step_in_english(app):
    _, confirmation = apply_online(app, "usingen", PREPAID, locale="en")
    text = _text(confirmation)
    assert "Next step: pay the fee" in text
    assert "Your application will be processed once the fee of €10.00 has been paid." in text
    assert "Pay now" in text


# --------------------------------------------------------------------------- the other policies


def test_an_optional_fee_is_offered_but_the_case_goes_to_the_queue(app):
    _set_policy(app, "usingen", PREPAID, "optional")
    _, confirmation = apply_online(app, "usingen", PREPAID)
    text = _text(confirmation)
    assert ("Sie können die Gebühr von 10,00 € jetzt online bezahlen oder später über den Link zu Ihrem "
            "Antrag.") in text
    case = _case(app, "usingen")
    assert case.status == "submitted" and case.payment_requested_at is not None


@pytest.mark.parametrize("policy", ["none", "after_decision"])
def test_without_payment_at_submission_the_confirmation_has_no_pay_step(app, policy):
    _set_policy(app, "usingen", PREPAID, policy)
    _, confirmation = apply_online(app, "usingen", PREPAID)
    assert "Gebühr bezahlen" not in _text(confirmation) and "Jetzt bezahlen" not in confirmation
    case = _case(app, "usingen")
    assert (case.status, case.fee_cents, case.payment_requested_at) == ("submitted", 1000, None)


def test_with_policy_none_a_clerks_payment_request_starts_no_payment(app):
    _set_policy(app, "usingen", PREPAID, "none")
    apply_online(app, "usingen", PREPAID)
    reference = _case(app, "usingen").reference
    with in_town(app, "usingen"):
        assert policy_of(db.session.scalars(db.select(Case).filter_by(reference=reference)).one()).online is False
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="weber")
    page = clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    response = clerk.post(f"/sachbearbeitung/vorgang/{reference}/schritt/request_payment",
                          data={"csrf_token": csrf_token_of(page), "nachricht": ""})
    assert response.status_code == 303
    assert _case(app, "usingen").status == "awaiting_payment"
    with in_town(app, "usingen"):
        assert payments_of(reference) == []


def test_another_towns_host_knows_neither_the_pay_step_nor_the_status_check(app):
    client, confirmation = apply_online(app, "usingen", PREPAID)
    status = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', confirmation).group(1)
    paid = client.post(f"{status}/bezahlen", data={"csrf_token": csrf_token_of(confirmation)})
    payment = re.search(r"(/zahlung/[^/?#]+)$", paid.headers["Location"]).group(1)
    other = town_client(app, "schmitten")
    csrf = {"csrf_token": csrf_token_of(other.get("/anmelden/entwicklung").get_data(as_text=True))}
    assert other.get(status).status_code == 404
    assert other.post(f"{status}/bezahlen", data=csrf).status_code == 404
    assert other.get(payment).status_code == 404
    assert other.post(f"{payment}/pruefen", data=csrf).status_code == 404
    # In its own town the check of a transfer answers with its page.
    own = client.post(f"{payment}/pruefen", data={"csrf_token": csrf_token_of(confirmation)})
    assert own.status_code == 303 and own.headers["Location"].endswith(payment)
