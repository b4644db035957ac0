"""Read-only queries of the eAkte."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from amtsweg.audit.models import AuditEvent
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


# Content types a browser shows itself without running anything of the file (no HTML, no SVG).
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif"})
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/tiff", "image/heic", "image/heif"})
# The eAkte's filter by kind of file → the content types it selects (None: all the others).
FILE_KINDS: dict[str, frozenset[str] | None] = {
    "pdf": frozenset({"application/pdf"}),
    "bild": IMAGE_TYPES,
    "andere": None,
}
# Audit actions that record who opened what in a Vorgang (the eAkte's access trail).
ACCESS_ACTIONS = ("case.viewed", "akte.viewed", "document.viewed", "document.downloaded", "document.previewed",
                  "vorgang.downloaded")


@dataclass(frozen=True)
class FileFilter:
    """What the eAkte lists: how the documents arrived (a channel), their kind, a part of the name."""

    channel: str = ""
    kind: str = ""
    name: str = ""


def documents_of_vorgang(vorgang: Vorgang, selected: FileFilter = FileFilter()) -> list[Document]:
    """The Vorgang's documents (of the current town), oldest first, as the filter selects them."""
    query = select(Document).where(Document.case_id == vorgang.case_id)
    if selected.channel:
        query = query.where(Document.id.in_(
            select(DocumentVersion.document_id).where(DocumentVersion.number == 1,
                                                      DocumentVersion.channel == selected.channel)
        ))
    if selected.kind in FILE_KINDS:
        types = FILE_KINDS[selected.kind]
        known = frozenset().union(*(kinds for kinds in FILE_KINDS.values() if kinds is not None))
        query = query.where(Document.content_type.in_(types) if types is not None
                            else Document.content_type.not_in(known))
    if selected.name:
        query = query.where(Document.filename.icontains(selected.name, autoescape=True))
    return list(db.session.scalars(query.order_by(Document.id)))


def document_of_vorgang(vorgang: Vorgang, document_id: int) -> Document | None:
    """One document of the Vorgang; None for another case's (or another town's) document."""
    return db.session.scalar(select(Document).where(Document.id == document_id,
                                                    Document.case_id == vorgang.case_id))


def version_of(document: Document, number: int) -> DocumentVersion | None:
    """The document's version ``number``; None if it has no such version."""
    return next((version for version in document.versions if version.number == number), None)


# Entries per page of the access trail and of a document's history.
TRAIL_PAGE_SIZE = 20


@dataclass(frozen=True)
class EventPage:
    """One page of audit events, newest first; ``older`` is the keyset of the next page (None: no more)."""

    events: list[AuditEvent]
    older: int | None


def _event_page(case_id: int, *criteria: Any, before_id: int | None, size: int) -> EventPage:
    query = select(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id),
                                     *criteria)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(size + 1)))
    more = len(events) > size
    events = events[:size]
    return EventPage(events, events[-1].id if more else None)


def document_history(vorgang: Vorgang, document: Document, before_id: int | None = None,
                     size: int = TRAIL_PAGE_SIZE) -> EventPage:
    """One page of what happened to the document, newest first: versions added, check-outs, who opened it."""
    return _event_page(vorgang.case_id, AuditEvent.action.startswith("document."),
                       AuditEvent.details["document"].as_integer() == document.id, before_id=before_id, size=size)


def access_trail(vorgang: Vorgang, before_id: int | None = None, size: int = TRAIL_PAGE_SIZE) -> EventPage:
    """One page of who opened the case, its eAkte and which of its files, newest first (each access is
    logged once per person, object and day, see ``cases.services.note_access``)."""
    return _event_page(vorgang.case_id, AuditEvent.action.in_(ACCESS_ACTIONS), before_id=before_id, size=size)
