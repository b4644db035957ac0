"""Extension point for payments: what happens to a new case's fee at submission.

The payments module replaces :func:`settle_on_submission` with one that starts a payment (provider
checkout, ``awaiting_payment`` state, ``Payment`` row) inside the same transaction. Until then the
fee is only noted on the case (the town invoices it) and the case stays ``submitted``.
"""

from __future__ import annotations

from amtsweg.cases.models import SUBMITTED, Case
from amtsweg.processes.fees import FeeLine, total_cents


def settle_on_submission(case: Case, fees: list[FeeLine]) -> None:
    """Record the fee of a case being submitted (called inside the submission's transaction)."""
    case.fees = [
        {"id": line.id, "label": line.label.model_dump(), "cents": line.cents, "refundable": line.refundable}
        for line in fees
    ]
    case.fee_cents = total_cents(fees)
    case.status = SUBMITTED
