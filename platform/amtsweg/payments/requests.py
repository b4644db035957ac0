"""The payments module in the workflow's ``request_payment`` slot.

A clerk's "Zahlung anfordern" runs inside the transition's transaction, where no provider may be
called; so the action only checks that the town can take the fee and queues :func:`start_requested`,
which runs after the commit: it starts the payment with the town's first method (the provider's
checkout for an online method) and mails the citizen the link to the payment's page, where they
may pay or switch to another method. A town that takes no method keeps main's behaviour: it
collects the fee itself and a clerk confirms it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from amtsweg.cases.models import Case
from amtsweg.cases.payment import policy_of
from amtsweg.cases.workflow import (
    Actor,
    IllegalTransition,
    RequestPayment,
    Step,
    apply_transition,
    definition_of,
    register_action,
)
from amtsweg.clock import today_in_germany
from amtsweg.extensions import db
from amtsweg.formatting import format_cents, format_date
from amtsweg.jobs.dispatch import enqueue
from amtsweg.notifications.services import queue_mail
from amtsweg.payments.base import PAID
from amtsweg.payments.models import Payment
from amtsweg.payments.providers import PROVIDERS
from amtsweg.payments.services import (
    MethodNotOffered,
    NothingToPay,
    PaymentNotPossible,
    ProviderBusy,
    ProviderDown,
    Started,
    fee_lines_of,
    on_status_change,
    request_payment,
    return_url,
    start_payment,
)
from amtsweg.processes.schema import PAYMENT_MAIL, PAYMENT_RECEIVED, Action
from amtsweg.tenancy import current_tenant
from amtsweg.tokens import hash_token, new_token

log = logging.getLogger(__name__)
# The date the mail asks the citizen to pay by.
DAYS_TO_PAY = 14


@register_action
class ProviderPayment(RequestPayment):
    """``request_payment`` with the town's payment methods."""

    def check(self, step: Step, spec: Action) -> None:
        if not policy_of(step.case).online:
            return
        try:
            request_payment(step.case, fee_lines_of(step.case))
        except NothingToPay as exc:
            raise IllegalTransition(exc.message) from exc
        except MethodNotOffered:
            return

    def start_payment(self, step: Step) -> None:
        case = step.case
        if not policy_of(case).online:
            super().start_payment(step)
            return
        try:
            demand = request_payment(case, fee_lines_of(case))
        except MethodNotOffered:
            super().start_payment(step)
            return
        method = demand.methods[0]
        # Transfer and town hall are the town's own collection, not a provider.
        step.details["payment_provider"] = method if PROVIDERS[method].online else None
        step.details["payment_methods"] = list(demand.methods)
        step.details["kassenzeichen"] = demand.kassenzeichen
        enqueue(start_requested, case.id, step.key, tenant_id=current_tenant().id, job_id=f"payment-{step.key}")


def start_requested(case_id: int, key: str) -> None:
    """Start the payment a clerk requested and mail its link. A provider that is down or busy
    raises, so the job is tried again; the attempt already started is continued then."""
    case = db.session.get(Case, case_id)
    if case is None or case.status != "awaiting_payment":
        return
    try:
        started = start_payment(case, None, "payment.show")
    except (ProviderDown, ProviderBusy):
        raise
    except PaymentNotPossible as exc:  # paid meanwhile, no method any more, …
        log.warning("case %s: the requested payment cannot start: %s", case.reference, exc.detail)
        return
    mail_pay_link(case, started, key)
    db.session.commit()


def mail_pay_link(case: Case, started: Started, key: str) -> None:
    """Queue the mail ``zahlungsaufforderung`` of the case's process version with the link to the
    payment's page (a fresh token when the start continued an earlier attempt)."""
    if not case.applicant_email:
        return
    token = started.token
    if token is None:
        token = new_token()
        started.payment.return_token_hash = hash_token(token)
    version, definition = definition_of(case)
    payment = started.payment
    english = case.locale == "en"
    queue_mail(
        to=case.applicant_email,
        template=PAYMENT_MAIL,
        context={
            "case": {"reference": case.reference, "applicant_name": case.applicant_name},
            "process": {"title": definition.title.en if english else definition.title.de},
            "payment": {
                "lines": [{"label": line["label"]["en" if english else "de"],
                           "amount": format_cents(line["cents"], case.locale)} for line in payment.lines],
                "total": format_cents(payment.amount_cents, case.locale),
                "due_date": format_date(today_in_germany() + timedelta(days=DAYS_TO_PAY), case.locale),
                "url": return_url("payment.show", token),
            },
            "tenant": {"name": current_tenant().official_name},
        },
        locale=case.locale,
        dedupe_key=f"workflow-{key}-{PAYMENT_MAIL}",
        template_sources={name.removeprefix("mails/"): source
                          for name, source in version.definition.get("templates", {}).items()
                          if name.startswith("mails/")},
        case_id=case.id,
    )


@on_status_change
def continue_paid_case(payment: Payment, old: str, new: str) -> None:
    """A paid fee lets its case leave "awaiting_payment" by the definition's ``payment_received``
    transition, in the transaction that books the payment (return check, reconciliation, cash
    office); a fee paid while the case goes on (policy "optional") is no longer outstanding."""
    if new != PAID or payment.case_id is None:
        return
    case = db.session.get(Case, payment.case_id)
    if case is None:
        return
    if case.status != "awaiting_payment":
        case.payment_requested_at = None
        return
    _, definition = definition_of(case)
    transition = next((t for t in definition.workflow.transitions if t.id == PAYMENT_RECEIVED
                       and case.status in t.from_), None) if definition.workflow else None
    if transition is not None:
        apply_transition(case, transition.id, Actor("system", tuple(transition.roles)))
