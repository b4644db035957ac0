"""The office's work on a case besides workflow steps: claiming, assigning, internal notes, messages
to the citizen and documents added to the case. One transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from flask_babel import lazy_gettext

from amtsweg.audit.services import record
from amtsweg.auth.models import User
from amtsweg.auth.roles import TEAM_LEAD
from amtsweg.cases.models import WITHDRAWN, Case, CaseMessage, CaseNote
from amtsweg.cases.tokens import issue_case_token, status_url
from amtsweg.documents.models import Document
from amtsweg.documents.services import CONTENT_TYPES, store_upload
from amtsweg.errors import DomainError, NotAllowed
from amtsweg.extensions import db
from amtsweg.notifications.services import queue_mail

__all__ = [
    "DOCUMENT_MAX_BYTES", "MESSAGE_LIMIT", "NOTE_LIMIT", "EmptyMessage", "EmptyNote", "NotAllowed", "add_document",
    "add_note", "assign", "claim", "send_message",
]

NOTE_LIMIT = 10000
MESSAGE_LIMIT = 10000
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# A case in these states takes no further messages or documents.
CLOSED_STATUSES = (WITHDRAWN, "closed", "archived")


class EmptyNote(DomainError, ValueError):
    """A note without text is not kept."""

    default_message = lazy_gettext("Bitte geben Sie einen Text für die Notiz ein.")


class EmptyMessage(DomainError, ValueError):
    """A message without text, or a longer one than :data:`MESSAGE_LIMIT`, is not sent."""

    default_message = lazy_gettext("Bitte schreiben Sie eine Nachricht mit höchstens 10.000 Zeichen.")


class CaseClosed(NotAllowed):
    """The case is withdrawn, closed or archived: nothing more is added to it."""

    default_message = lazy_gettext("Der Vorgang ist abgeschlossen; es kann nichts mehr hinzugefügt werden.")


def _set_assignee(case: Case, assignee: User | None, actor: User) -> None:
    if case.assignee_id == (assignee.id if assignee else None):
        return
    record(actor.label, "case.assigned", "case", case.id, reference=case.reference,
           previous=case.assignee_id, assignee=assignee.id if assignee else None,
           assignee_name=assignee.label if assignee else "")
    case.assignee_id = assignee.id if assignee else None


def claim(case: Case, actor: User) -> None:
    """The actor takes the case. A case someone else works on can only be taken by a team lead."""
    if case.assignee_id not in (None, actor.id) and not actor.has_role(TEAM_LEAD):
        raise NotAllowed("the case is assigned to someone else")
    _set_assignee(case, actor, actor)
    db.session.commit()


def assign(cases: Iterable[Case], assignee: User | None, actor: User) -> int:
    """A team lead assigns (or reassigns, or with None releases) cases; returns how many changed."""
    if not actor.has_role(TEAM_LEAD):
        raise NotAllowed("only team leads assign cases")
    changed = 0
    for case in cases:
        if case.assignee_id != (assignee.id if assignee else None):
            _set_assignee(case, assignee, actor)
            changed += 1
    db.session.commit()
    return changed


def add_note(case: Case, author: User, body: str) -> CaseNote:
    """An internal note on the case (staff only; never shown to the citizen)."""
    text = body.strip()[:NOTE_LIMIT]
    if not text:
        raise EmptyNote()
    note = CaseNote(case_id=case.id, author_id=author.id, author=author.label, body=text)
    db.session.add(note)
    db.session.flush()
    record(author.label, "case.note_added", "case", case.id, note=note.id)
    db.session.commit()
    return note


def send_message(case: Case, actor: str, body: str) -> CaseMessage:
    """A message of the office to the citizen: shown on the status page and announced by mail (with
    a fresh status link) when an address is known. ``actor`` names the sender in the audit trail."""
    text = body.strip()
    if not text or len(text) > MESSAGE_LIMIT:
        raise EmptyMessage()
    if case.status in CLOSED_STATUSES:
        raise CaseClosed()
    message = CaseMessage(case_id=case.id, author="clerk", kind="message", body=text)
    db.session.add(message)
    db.session.flush()
    record(actor, "case.message_sent", "case", case.id, message=message.id)
    if case.applicant_email:
        queue_mail(
            to=case.applicant_email, template="nachricht_der_verwaltung", locale=case.locale,
            context={"reference": case.reference, "status_url": status_url(issue_case_token(case.id, "mail"))},
            dedupe_key=f"nachricht-{message.id}", case_id=case.id,
        )
    db.session.commit()
    return message


def add_document(case: Case, stream: IO[bytes], filename: str, actor: str) -> Document:
    """File a document of the office with the case (staff only, like a clerk's upload). Raises
    :class:`~amtsweg.documents.services.UploadRejected` for a refused file; nothing is stored then."""
    if case.status in CLOSED_STATUSES:
        raise CaseClosed()
    document = store_upload(stream, filename, accept=CONTENT_TYPES, max_bytes=DOCUMENT_MAX_BYTES,
                            case_id=case.id, source="clerk")
    record(actor, "case.document_added", "case", case.id, document=document.id, filename=document.filename)
    db.session.commit()
    return document
