"""Read-only queries of the eAkte."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from amtsweg.documents.models import Document, DocumentVersion, IntegrityFinding, Vorgang
from amtsweg.extensions import db
from amtsweg.tenancy.context import all_tenants_context


@dataclass(frozen=True)
class OpenFinding:
    """An unresolved integrity finding, named without personal data (no file name)."""

    tenant_id: int
    problem: str
    aktenzeichen: str | None
    document_id: int | None
    version: int | None
    found_at: datetime
    last_seen_at: datetime


def open_findings_in_all_towns(limit: int = 200) -> list[OpenFinding]:
    """Missing or altered stored documents of every town, newest first (platform admin)."""
    with all_tenants_context():
        rows = db.session.execute(
            select(IntegrityFinding, DocumentVersion.document_id, DocumentVersion.number, Vorgang.aktenzeichen)
            .outerjoin(DocumentVersion, DocumentVersion.id == IntegrityFinding.version_id)
            .outerjoin(Document, Document.id == DocumentVersion.document_id)
            .outerjoin(Vorgang, Vorgang.case_id == Document.case_id)
            .where(IntegrityFinding.resolved_at.is_(None))
            .order_by(IntegrityFinding.found_at.desc())
            .limit(limit)
        ).all()
        return [OpenFinding(finding.tenant_id, finding.problem, aktenzeichen, document_id, number, finding.found_at,
                            finding.last_seen_at)
                for finding, document_id, number, aktenzeichen in rows]
