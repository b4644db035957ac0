"""Reading cases and drafts of the current town."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case, CaseAccessToken, CaseMessage, Draft
from amtsweg.cases.tokens import hash_token, matches, reference_of_account_token
from amtsweg.documents.models import Document
from amtsweg.extensions import db

# Documents the citizen may open on the status page: their own uploads and the letters the
# workflow wrote to them; a clerk's uploads are internal.
CITIZEN_DOCUMENT_SOURCES = ("citizen", "system")


def case_by_status_token(token: str) -> Case | None:
    """The case that any non-revoked status link carrying ``token`` opens (looked up by hash,
    compared in constant time), or an unexpired signed link of the citizen account."""
    digest = hash_token(token)
    access = db.session.scalar(
        select(CaseAccessToken).where(CaseAccessToken.token_hash == digest, CaseAccessToken.revoked_at.is_(None))
    )
    if access is not None and matches(token, access.token_hash):
        return db.session.get(Case, access.case_id)
    reference = reference_of_account_token(token)
    # The town's own cases only (the query is scoped to it): another town's link opens nothing.
    return db.session.scalar(select(Case).where(Case.reference == reference)) if reference is not None else None


def cases_of_citizen(account_id: int) -> list[Case]:
    """The current town's cases submitted from one citizen account, newest first."""
    return list(db.session.scalars(
        select(Case).where(Case.citizen_account_id == account_id).order_by(Case.submitted_at.desc(), Case.id.desc())
    ))


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


def citizen_documents_of_case(case: Case, sources: tuple[str, ...] = CITIZEN_DOCUMENT_SOURCES) -> list[Document]:
    """The case's documents meant for the citizen (``sources`` narrows them, e.g. to their uploads)."""
    return list(db.session.scalars(
        select(Document).where(Document.case_id == case.id, Document.source.in_(sources)).order_by(Document.id)
    ))


def citizen_document(case: Case, document_id: int) -> Document | None:
    """One document of the case that the citizen may download, or None."""
    return db.session.scalar(select(Document).where(
        Document.id == document_id, Document.case_id == case.id, Document.source.in_(CITIZEN_DOCUMENT_SOURCES)
    ))


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


def awaits_reply(case: Case) -> bool:
    """Whether the citizen is asked to answer: an information request is open, or the case waits
    for them and they have not replied since it began to."""
    if open_information_request(case) is not None:
        return True
    if case.status != "waiting_for_citizen":
        return False
    replies = select(CaseMessage.id).where(CaseMessage.case_id == case.id, CaseMessage.kind == "reply")
    if case.paused_at is not None:
        replies = replies.where(CaseMessage.created_at >= case.paused_at)
    return db.session.scalar(replies.limit(1)) is None


def case_events(case: Case) -> list[AuditEvent]:
    """The case's audit events, oldest first (the status page shows them as a timeline)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
