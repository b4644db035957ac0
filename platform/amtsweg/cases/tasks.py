"""Daily clean-up of online applications, town by town: expired drafts, then unlinked uploads; and
the sweep for receipts whose filing job was lost."""

from __future__ import annotations

import logging
from datetime import datetime

from amtsweg.cases.drafts import delete_expired_drafts
from amtsweg.cases.receipts import sweep_due_receipts
from amtsweg.clock import utcnow
from amtsweg.documents.services import remove_unlinked_uploads
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.queries import in_each_town

log = logging.getLogger(__name__)


@periodic("applications.cleanup", "45 2 * * *")
def cleanup() -> None:
    """Delete expired drafts and uploads that belong to nothing for a day; safe to run twice."""
    def clean_town() -> tuple[int, int]:
        return delete_expired_drafts(), remove_unlinked_uploads()

    for town, (drafts, uploads) in in_each_town(clean_town, "application clean-up"):
        log.info("application clean-up for %s: %d drafts, %d uploads removed", town.slug, drafts, uploads)


@periodic("receipts.sweep", "*/5 * * * *", queue="documents")
def sweep_receipts(now: datetime | None = None) -> int:
    """File the receipts still due after their jobs' retries (of every town); returns how many."""
    return sweep_due_receipts(now or utcnow())
