"""The queue's read side: filtered, sorted, keyset-paginated case lists and counts per status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from amtsweg.cases.deadlines import start_of_local_day
from amtsweg.cases.models import Case
from amtsweg.cases.workflow import FINISHED_STATUSES
from amtsweg.extensions import db
from amtsweg.processes.models import Process

PAGE_SIZE = 50
NEWEST, OLDEST, DUE = "neueste", "aelteste", "faelligkeit"
SORTS = (NEWEST, OLDEST, DUE)
# Cases without a due date sort after every dated one.
_NO_DUE_DATE = date(9999, 12, 31)


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    process: str = ""
    channel: str = ""
    search: str = ""
    overdue: bool = False
    # A process category (the library's areas, e.g. "ordnung").
    area: str = ""
    assignee_id: int | None = None
    unassigned: bool = False
    submitted_from: date | None = None
    submitted_until: date | None = None
    sort: str = NEWEST
    # Keyset pagination: continue after the case with this id (in the chosen order).
    before_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    counts: dict[str, int]
    next_before_id: int | None


def _filtered(selected: QueueFilter, today: date) -> Select[tuple[Case]]:
    query = select(Case)
    if selected.status:
        query = query.where(Case.status == selected.status)
    if selected.process:
        query = query.where(Case.process_slug == selected.process)
    if selected.channel:
        query = query.where(Case.channel == selected.channel)
    if selected.area:
        query = query.where(Case.process_slug.in_(select(Process.slug).where(Process.category == selected.area)))
    if selected.unassigned:
        query = query.where(Case.assignee_id.is_(None))
    elif selected.assignee_id is not None:
        query = query.where(Case.assignee_id == selected.assignee_id)
    if selected.submitted_from:
        query = query.where(Case.submitted_at >= start_of_local_day(selected.submitted_from))
    if selected.submitted_until:
        query = query.where(Case.submitted_at < start_of_local_day(selected.submitted_until + timedelta(days=1)))
    if selected.overdue:
        query = query.where(Case.due_date < today, Case.status.not_in(FINISHED_STATUSES))
    if selected.search:
        pattern = f"%{selected.search.strip()}%"
        query = query.where(or_(Case.reference.ilike(pattern), Case.applicant_name.ilike(pattern)))
    return query


def _ordered(query: Select[tuple[Case]], sort: str, after_id: int | None) -> Select[tuple[Case]]:
    """Order by ``sort`` and continue after the case ``after_id`` (keyset, no OFFSET)."""
    if sort == OLDEST:
        if after_id is not None:
            query = query.where(Case.id > after_id)
        return query.order_by(Case.id)
    if sort == DUE:
        due = func.coalesce(Case.due_date, _NO_DUE_DATE)
        if after_id is not None:
            cursor = aliased(Case)
            cursor_due = (
                select(func.coalesce(cursor.due_date, _NO_DUE_DATE)).where(cursor.id == after_id).scalar_subquery()
            )
            query = query.where(or_(due > cursor_due, and_(due == cursor_due, Case.id > after_id)))
        return query.order_by(due, Case.id)
    if after_id is not None:
        query = query.where(Case.id < after_id)
    return query.order_by(Case.id.desc())


def queue_page(selected: QueueFilter, today: date | None = None) -> QueuePage:
    """One page of the current town's cases (the ORM adds the town filter) and its status counts."""
    query = _ordered(_filtered(selected, today or date.today()), selected.sort, selected.before_id)
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    counts = dict(db.session.execute(select(Case.status, func.count()).group_by(Case.status)).tuples().all())
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return QueuePage(rows, counts, rows[-1].id if has_more else None)
