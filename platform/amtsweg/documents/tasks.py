"""Periodic clean-up of the documents' staging folder (see :mod:`amtsweg.documents.staging`)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import select

from amtsweg.documents.models import Document
from amtsweg.documents.staging import key_of_staged
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.context import all_tenants_context

log = logging.getLogger(__name__)
# Longer than any request or job takes between receiving a file and committing its row.
STAGING_MAX_AGE = timedelta(hours=1)


def _has_row(key: str) -> bool:
    with all_tenants_context():
        found = db.session.scalar(select(Document.id).where(Document.storage_key == key)) is not None
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
        if key is not None and _has_row(key):
            storage.put(key, path)
            moved += 1
        else:
            path.unlink(missing_ok=True)
            removed += 1
    if moved or removed:
        log.info("staging sweep: %d file(s) moved into storage, %d removed", moved, removed)
    return moved, removed
