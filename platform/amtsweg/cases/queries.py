"""Reading cases and drafts of the current town."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case, CaseMessage, Draft
from amtsweg.cases.tokens import hash_token, matches
from amtsweg.documents.models import Document
from amtsweg.extensions import db


def case_by_status_token(token: str) -> Case | None:
    """The case whose status link carries ``token`` (looked up by hash, compared in constant time)."""
    digest = hash_token(token)
    case = db.session.scalar(select(Case).where(Case.status_token_hash == digest))
    return case if case is not None and matches(token, case.status_token_hash) else None


def case_by_idempotency_key(key: str) -> Case | None:
    return db.session.scalar(select(Case).where(Case.idempotency_key == key))


def draft_by_token(token: str, slug: str) -> Draft | None:
    """The unexpired draft of process ``slug`` that ``token`` opens."""
    digest = hash_token(token)
    draft = db.session.scalar(select(Draft).where(Draft.token_hash == digest, Draft.process_slug == slug))
    if draft is None or not matches(token, draft.token_hash):
        return None
    expires_at = draft.expires_at if draft.expires_at.tzinfo else draft.expires_at.replace(tzinfo=UTC)
    return draft if expires_at > datetime.now(UTC) else None


def documents_of_case(case: Case) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))


def documents_of_draft(draft: Draft) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.draft_id == draft.id)))


def messages_of_case(case: Case) -> list[CaseMessage]:
    return list(
        db.session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id))
    )


def open_information_request(case: Case) -> CaseMessage | None:
    return db.session.scalar(
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id, CaseMessage.kind == "information_request",
               CaseMessage.answered_at.is_(None))
        .order_by(CaseMessage.id.desc())
    )


def case_events(case: Case) -> list[AuditEvent]:
    """The case's audit events, oldest first (the status page shows them as a timeline)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
