"""Reconciliation: every ten minutes, every town's online payments that are not final are asked
about and booked (the citizen who never came back, the provider that was down, FAILED turned PAYED)."""

from __future__ import annotations

import logging

from amtsweg.jobs.schedule import periodic
from amtsweg.payments.services import reconcile
from amtsweg.tenancy.queries import in_each_town

log = logging.getLogger(__name__)


@periodic("payments.reconcile", "*/10 * * * *")
def reconcile_all() -> None:
    """Safe to run twice at once: each payment's change is booked by exactly one run."""
    for town, result in in_each_town(reconcile, "payment reconciliation"):
        if result.checked or result.abandoned:
            log.info("payments of %s: %d checked, %d changed, %d checks failed, %d starts abandoned", town.slug,
                     result.checked, result.changed, result.failed_checks, result.abandoned)
