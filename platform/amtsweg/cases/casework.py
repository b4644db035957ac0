"""A clerk's work on a case besides workflow steps: claiming, assigning, internal notes. One transaction each."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext

from amtsweg.audit.services import record
from amtsweg.auth.models import User
from amtsweg.auth.roles import TEAM_LEAD
from amtsweg.cases.models import Case, CaseNote
from amtsweg.errors import DomainError, NotAllowed
from amtsweg.extensions import db

__all__ = ["NOTE_LIMIT", "EmptyNote", "NotAllowed", "add_note", "assign", "claim"]

NOTE_LIMIT = 10000


class EmptyNote(DomainError, ValueError):
    """A note without text is not kept."""

    default_message = lazy_gettext("Bitte geben Sie einen Text für die Notiz ein.")


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
