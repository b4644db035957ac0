"""What a new case's fee does at submission, by the process's payment policy
(``payment`` in process.yaml, a town may override it; names in ``processes.schema.PAYMENT_POLICIES``).

Each policy is a :class:`PaymentPolicy` in :data:`POLICIES`, registered with
:func:`register_policy`. The fee is always noted on the case; a policy that asks for the fee now
marks the payment as requested (``payment_requested_at``), which offers the citizen the pay step
on the confirmation and status pages (the payments module starts the payment when they choose it).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from amtsweg.cases.models import SUBMITTED, Case
from amtsweg.cases.workflow import definition_of
from amtsweg.clock import utcnow
from amtsweg.processes.fees import FeeLine, total_cents
from amtsweg.processes.queries import payment_policy, town_overrides


class PaymentPolicy:
    """The "after_decision" behaviour every policy starts from: the fee is noted, the case goes to
    the clerks' queue, a clerk's "Zahlung anfordern" asks for the money through the town's provider."""

    name: ClassVar[str]
    # A clerk's payment request goes to the town's online payment methods.
    online: ClassVar[bool] = True

    def on_submission(self, case: Case, fees: list[FeeLine]) -> None:
        """Note the fee of a case being submitted (inside the submission's transaction)."""
        case.fees = [
            {"id": line.id, "label": line.label.model_dump(), "cents": line.cents, "refundable": line.refundable}
            for line in fees
        ]
        case.fee_cents = total_cents(fees)
        case.status = SUBMITTED


POLICIES: dict[str, PaymentPolicy] = {}
_P = TypeVar("_P", bound=type[PaymentPolicy])


def register_policy(cls: _P) -> _P:
    """Register (or replace) the policy named ``cls.name``."""
    POLICIES[cls.name] = cls()
    return cls


@register_policy
class AfterDecision(PaymentPolicy):
    name = "after_decision"


@register_policy
class NoOnlinePayment(PaymentPolicy):
    """The town collects the fee itself (invoice, cash desk); a clerk confirms it."""

    name = "none"
    online = False


@register_policy
class Optional(PaymentPolicy):
    """The citizen may pay online right away; the case goes to the clerks' queue either way."""

    name = "optional"

    def on_submission(self, case: Case, fees: list[FeeLine]) -> None:
        super().on_submission(case, fees)
        if case.fee_cents > 0:
            case.payment_requested_at = utcnow()


@register_policy
class BeforeProcessing(PaymentPolicy):
    """The case waits as "Zahlung ausstehend" (its processing clock stopped) until the fee is booked;
    the booking performs the workflow's ``payment_received`` transition."""

    name = "before_processing"

    def on_submission(self, case: Case, fees: list[FeeLine]) -> None:
        super().on_submission(case, fees)
        if case.fee_cents > 0:
            case.payment_requested_at = case.paused_at = utcnow()
            case.status = "awaiting_payment"


def settle_on_submission(case: Case, fees: list[FeeLine], policy: str) -> None:
    """Apply the payment policy ``policy`` to a case being submitted."""
    POLICIES[policy].on_submission(case, fees)


def policy_of(case: Case) -> PaymentPolicy:
    """The payment policy of the case's process version in the current town."""
    _, definition = definition_of(case)
    return POLICIES[payment_policy(definition, town_overrides(case.process_slug))]
