"""Care of the stored documents: daily, town by town, re-hash a sample (or all, see
DOCUMENTS_VERIFY_SAMPLE) and remove orphaned objects; every half hour, clean up the staging folder
(see :mod:`amtsweg.documents.staging`)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from amtsweg.documents.integrity import sweep, verify
from amtsweg.documents.models import DocumentVersion
from amtsweg.documents.staging import key_of_staged
from amtsweg.documents.storage import StorageUnavailable, get_storage
from amtsweg.extensions import db
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.context import all_tenants_context, tenant_context
from amtsweg.tenancy.queries import active_towns

log = logging.getLogger(__name__)
# Longer than any request or job takes between receiving a file and committing its row.
STAGING_MAX_AGE = timedelta(hours=1)


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
    """Remove stored objects no document version points to, after the grace period."""
    grace = timedelta(hours=current_app.config["DOCUMENTS_ORPHAN_GRACE_HOURS"])
    for town in active_towns():
        with tenant_context(town):
            report = sweep(grace)
        log.info("orphaned objects of %s: %d removed, %d kept by the store", town.slug, len(report.removed),
                 len(report.refused))


def _committed_sha256(key: str) -> str | None:
    """The recorded SHA-256 of the version stored under ``key``; None when no row has the key."""
    with all_tenants_context():
        found = db.session.scalar(select(DocumentVersion.sha256).where(DocumentVersion.storage_key == key))
    db.session.rollback()
    return found


@periodic("documents.staging_sweep", "*/30 * * * *", queue="documents")
def sweep_staging(max_age: timedelta = STAGING_MAX_AGE) -> tuple[int, int]:
    """Finish moves into storage whose row was committed; remove every other staged file older
    than ``max_age``. Returns (moved, removed)."""
    storage = get_storage()
    cutoff = time.time() - max_age.total_seconds()
    moved = removed = 0
    for path in sorted(storage.staging_dir().iterdir()):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        key = key_of_staged(path.name)
        sha256 = _committed_sha256(key) if key is not None else None
        if key is not None and sha256 is not None:
            storage.put(key, path, sha256)
            moved += 1
        else:
            path.unlink(missing_ok=True)
            removed += 1
    if moved or removed:
        log.info("staging sweep: %d file(s) moved into storage, %d removed", moved, removed)
    return moved, removed
