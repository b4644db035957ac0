"""Workbench reads besides the queue: the town's staff, internal notes, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import User
from amtsweg.auth.roles import CLERK, TEAM_LEAD
from amtsweg.cases.deadlines import start_of_local_day
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.workbench.models import CaseNote

AUDIT_PAGE_SIZE = 100


def town_staff() -> list[User]:
    """The town's active accounts that work on cases (clerks and team leads), by name."""
    users = db.session.scalars(select(User).where(User.active.is_(True)))
    return sorted((u for u in users if u.has_role(CLERK, TEAM_LEAD)), key=lambda u: u.label.casefold())


def staff_member(user_id: int) -> User | None:
    """An active clerk or team lead of the current town (another town's account is not found)."""
    user = db.session.scalar(select(User).where(User.id == user_id, User.active.is_(True)))
    return user if user is not None and user.has_role(CLERK, TEAM_LEAD) else None


def notes_of_case(case: Case) -> list[CaseNote]:
    return list(db.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)))


@dataclass(frozen=True)
class AuditFilter:
    reference: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    # Keyset pagination: events older than this id.
    before_id: int | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    # Case id → reference, for the events about cases on this page.
    references: dict[str, str]
    next_before_id: int | None


def audit_page(selected: AuditFilter) -> AuditPage:
    """The current town's audit events, newest first; an unknown case reference matches nothing."""
    query = select(AuditEvent)
    if selected.reference:
        case_id = db.session.scalar(select(Case.id).where(Case.reference == selected.reference.strip()))
        query = query.where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
    if selected.actor:
        query = query.where(AuditEvent.actor.ilike(f"%{selected.actor.strip()}%"))
    if selected.since:
        query = query.where(AuditEvent.occurred_at >= start_of_local_day(selected.since))
    if selected.until:
        query = query.where(AuditEvent.occurred_at < start_of_local_day(selected.until + timedelta(days=1)))
    if selected.before_id is not None:
        query = query.where(AuditEvent.id < selected.before_id)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE + 1)))
    has_more = len(events) > AUDIT_PAGE_SIZE
    events = events[:AUDIT_PAGE_SIZE]
    case_ids = {int(e.object_id) for e in events if e.object_type == "case" and e.object_id.isdigit()}
    references = {
        str(case_id): reference
        for case_id, reference in db.session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids)))
    } if case_ids else {}
    return AuditPage(events, references, events[-1].id if has_more else None)
