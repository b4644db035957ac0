"""The daily retention run: every town's closed cases are archived (zdA) and, when their retention
ended, destroyed (hint V); what the archive assessed V or confirmed as imported is deleted."""

from __future__ import annotations

import logging

from amtsweg.archive.aussonderung import dispose
from amtsweg.archive.services import ACTOR, run_retention
from amtsweg.clock import today_in_germany
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.queries import active_towns

log = logging.getLogger(__name__)


@periodic("retention.daily", "45 2 * * *")
def daily() -> None:
    """Run retention town by town; safe to run twice (a second run finds nothing due)."""
    today = today_in_germany()
    for town in active_towns():
        with tenant_context(town):
            report = run_retention(today)
            disposal = dispose(today, ACTOR)
        for reference, error in report.failed + disposal.failed:
            log.error("retention of %s in %s failed: %s", reference, town.slug, error)
        log.info("retention for %s: %d cases processed, %d deleted after the archive's answer, %d waiting for the "
                 "archive, %d held, %d failed", town.slug, len(report.done), len(disposal.deleted),
                 len(report.for_archive), len(report.held), len(report.failed) + len(disposal.failed))
