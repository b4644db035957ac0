"""Integrity of the stored documents: re-hashing and orphaned objects.

:func:`verify` reads stored versions back and compares them with their recorded SHA-256; a
missing object or a different content becomes an :class:`IntegrityFinding` (shown on the
operations page) until a later check finds it intact again. :func:`sweep` removes stored objects
that no document version points to (left by a restore, a copy made by hand, or a release that
stored uploads before committing them) once they are older than a grace period. Files stuck in
the staging folder are the staging sweep's (:mod:`amtsweg.documents.tasks`).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from amtsweg.clock import utcnow
from amtsweg.documents.models import Document, DocumentVersion, IntegrityFinding
from amtsweg.documents.storage import ObjectMissing, StorageRefused, get_storage
from amtsweg.extensions import db
from amtsweg.tenancy import current_tenant

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
MISSING = "missing"
MISMATCH = "mismatch"


@dataclass
class VerifyReport:
    checked: int = 0
    # (storage key, missing | mismatch)
    problems: list[tuple[str, str]] = field(default_factory=list)
    resolved: int = 0


def _actual_sha256(key: str) -> str | None:
    """The SHA-256 of the stored content; None if there is none."""
    digest = hashlib.sha256()
    try:
        with get_storage().open(key) as content:
            while chunk := content.read(CHUNK):
                digest.update(chunk)
    except ObjectMissing:
        return None
    return digest.hexdigest()


def verify(sample: int = 0) -> VerifyReport:
    """Re-hash the current town's stored versions — all of them, or ``sample`` chosen at random —
    and record what is missing or altered (one transaction). A store that cannot be reached
    raises :class:`~amtsweg.documents.storage.StorageUnavailable` and records nothing."""
    query = select(DocumentVersion.id, DocumentVersion.storage_key, DocumentVersion.sha256)
    query = query.order_by(func.random()).limit(sample) if sample else query.order_by(DocumentVersion.id)
    rows = db.session.execute(query).all()
    open_findings = {
        finding.version_id: finding
        for finding in db.session.scalars(select(IntegrityFinding).where(IntegrityFinding.resolved_at.is_(None)))
    }
    report = VerifyReport()
    now = utcnow()
    for version_id, key, expected in rows:
        actual = _actual_sha256(key)
        report.checked += 1
        finding = open_findings.get(version_id)
        problem = MISSING if actual is None else (MISMATCH if actual != expected else None)
        if problem is None:
            if finding is not None:
                finding.resolved_at = now
                report.resolved += 1
            continue
        report.problems.append((key, problem))
        log.error("document version %s (%s) in %s: %s", version_id, key, current_tenant().slug, problem)
        if finding is not None and finding.problem == problem and finding.actual_sha256 == actual:
            finding.last_seen_at = now
            continue
        if finding is not None:
            finding.resolved_at = now
        db.session.add(IntegrityFinding(version_id=version_id, storage_key=key, problem=problem,
                                        expected_sha256=expected, actual_sha256=actual, found_at=now, last_seen_at=now))
    db.session.commit()
    return report


@dataclass
class SweepReport:
    removed: list[str] = field(default_factory=list)
    # Orphans the store keeps (object lock): removed by a later sweep once it lets go.
    refused: list[str] = field(default_factory=list)


def sweep(grace: timedelta) -> SweepReport:
    """Remove the current town's stored objects that no document version points to and that are
    older than ``grace``."""
    slug = current_tenant().slug
    known = set(db.session.scalars(select(DocumentVersion.storage_key)))
    known.update(db.session.scalars(select(Document.storage_key)))
    db.session.rollback()
    cutoff = utcnow() - grace
    storage = get_storage()
    report = SweepReport()
    for stored in storage.objects(f"{slug}/"):
        if stored.key in known or stored.modified >= cutoff:
            continue
        try:
            storage.delete(stored.key)
        except StorageRefused:
            report.refused.append(stored.key)
            continue
        log.warning("orphaned object %s removed (%d bytes, stored %s)", stored.key, stored.size, stored.modified)
        report.removed.append(stored.key)
    return report

