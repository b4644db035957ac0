"""Daily care of the stored documents, town by town: re-hash a sample (or all, see
DOCUMENTS_VERIFY_SAMPLE) and remove orphaned objects and stale staging files."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from amtsweg.documents.integrity import clean_staging, sweep, verify
from amtsweg.documents.storage import StorageUnavailable
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.queries import active_towns

log = logging.getLogger(__name__)


@periodic("documents.verify", "15 3 * * *")
def verify_daily() -> None:
    """Re-hash stored document versions and record missing or altered ones for the operations page."""
    sample = current_app.config["DOCUMENTS_VERIFY_SAMPLE"]
    for town in active_towns():
        with tenant_context(town):
            try:
                report = verify(sample)
            except StorageUnavailable:
                # Not a finding about the documents: the job fails and RQ retries it.
                log.exception("document store unreachable while verifying %s", town.slug)
                raise
        log.info("documents of %s: %d versions checked, %d problems, %d resolved", town.slug, report.checked,
                 len(report.problems), report.resolved)


@periodic("documents.sweep", "35 3 * * *")
def sweep_daily() -> None:
    """Remove stored objects no document points to and interrupted uploads, after the grace period."""
    grace = timedelta(hours=current_app.config["DOCUMENTS_ORPHAN_GRACE_HOURS"])
    for town in active_towns():
        with tenant_context(town):
            report = sweep(grace)
        log.info("orphaned objects of %s: %d removed, %d kept by the store", town.slug, len(report.removed),
                 len(report.refused))
    log.info("staging files removed: %d", clean_staging(grace))
