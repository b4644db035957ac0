"""Reconciliation: every ten minutes, every town's online payments that are not final are asked
about and booked (the citizen who never came back, the provider that was down, FAILED turned PAYED)."""

from __future__ import annotations

import logging

from amtsweg.extensions import db
from amtsweg.jobs.schedule import periodic
from amtsweg.payments.services import reconcile
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.queries import active_towns

log = logging.getLogger(__name__)


@periodic("payments.reconcile", "*/10 * * * *")
def reconcile_all() -> None:
    """Safe to run twice at once: each payment's change is booked by exactly one run."""
    for town in active_towns():
        with tenant_context(town):
            try:
                result = reconcile()
            except Exception:
                # One town's broken settings or provider must not stop the others.
                db.session.rollback()
                log.exception("payment reconciliation failed for %s", town.slug)
                continue
        if result.checked or result.abandoned:
            log.info("payments of %s: %d checked, %d changed, %d checks failed, %d starts abandoned", town.slug,
                     result.checked, result.changed, result.failed_checks, result.abandoned)
