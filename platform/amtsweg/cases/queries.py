"""Reading cases and drafts of the current town: status links, documents, messages, notes, the
clerks' queue (filtered, sorted, keyset-paginated, with counts per status) and the audit log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import BindParameter, ColumnElement, Select, and_, any_, bindparam, func, or_, select

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.deadlines import start_of_local_day
from amtsweg.cases.models import (
    ACCESS_ACTIONS,
    FINISHED_STATUSES,
    Case,
    CaseAccessToken,
    CaseMessage,
    CaseNote,
    Draft,
)
from amtsweg.cases.search import matching
from amtsweg.cases.states import STATUS_LABELS
from amtsweg.cases.tokens import reference_of_account_token
from amtsweg.clock import as_utc, utcnow
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.processes.models import Process
from amtsweg.tenancy import current_tenant
from amtsweg.tokens import hash_token, matches

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
    """The case a submission with this key created, if any (a repeated click finds it)."""
    return db.session.scalar(select(Case).where(Case.idempotency_key == key))


def draft_by_token(token: str, slug: str) -> Draft | None:
    """The unexpired draft of process ``slug`` that ``token`` opens."""
    digest = hash_token(token)
    draft = db.session.scalar(select(Draft).where(Draft.token_hash == digest, Draft.process_slug == slug))
    if draft is None or not matches(token, draft.token_hash):
        return None
    return draft if as_utc(draft.expires_at) > utcnow() else None


def case_by_reference(reference: str) -> Case | None:
    """The current town's case with this reference (another town's reference is not found)."""
    return db.session.scalar(select(Case).where(Case.reference == reference))


def document_of_case(case: Case, document_id: int) -> Document | None:
    """One document of the case (staff may open all of them), or None."""
    return db.session.scalar(select(Document).where(Document.id == document_id, Document.case_id == case.id))


def documents_of_case(case: Case) -> list[Document]:
    """Every document of the case, oldest first (staff see all of them)."""
    return list(db.session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))


def citizen_documents_of_case(case: Case, sources: tuple[str, ...] = CITIZEN_DOCUMENT_SOURCES,
                              created_until: datetime | None = None) -> list[Document]:
    """The case's documents meant for the citizen (``sources`` narrows them, e.g. to their uploads;
    ``created_until`` to those made by then, e.g. those of the application itself)."""
    query = select(Document).where(Document.case_id == case.id, Document.source.in_(sources))
    if created_until is not None:
        query = query.where(Document.created_at <= created_until)
    return list(db.session.scalars(query.order_by(Document.id)))


def citizen_document(case: Case, document_id: int) -> Document | None:
    """One document of the case that the citizen may download, or None."""
    return db.session.scalar(select(Document).where(
        Document.id == document_id, Document.case_id == case.id, Document.source.in_(CITIZEN_DOCUMENT_SOURCES)
    ))


def documents_of_draft(draft: Draft) -> list[Document]:
    """The uploads made so far for a draft."""
    return list(db.session.scalars(select(Document).where(Document.draft_id == draft.id)))


def messages_of_case(case: Case) -> list[CaseMessage]:
    """The messages between town and citizen on the case, oldest first."""
    return list(
        db.session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id))
    )


def open_information_request(case: Case) -> CaseMessage | None:
    """The latest request for information the citizen has not answered yet."""
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
    """The case's audit events without staff's reads of it, oldest first (the status page shows
    them as a timeline)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id),
                   AuditEvent.action.not_in(constants(ACCESS_ACTIONS)))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )


def notes_of_case(case: Case) -> list[CaseNote]:
    """The case's internal notes, oldest first."""
    return list(db.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)))


# --------------------------------------------------------------------------- the clerks' queue

PAGE_SIZE = 50
NEWEST, OLDEST, DUE = "neueste", "aelteste", "faelligkeit"
SORTS = (NEWEST, OLDEST, DUE)
# The status counts stop at this many cases per status: counting is then a bounded index range,
# not a read of every case of the town on each page view.
COUNT_LIMIT = 999


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: every field narrows it, empty ones do not."""

    status: str = ""
    # A process slug (chosen from the town's services).
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
class StatusCount:
    """How many of the town's cases have a status; ``more`` when there are more than counted."""

    status: str
    count: int
    more: bool


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, the town's case counts per status and where the next page starts."""

    cases: list[Case]
    counts: list[StatusCount]
    next_before_id: int | None
    # Slug → the service's title in each language, for the services on this page.
    titles: dict[str, dict[str, str]]


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
        query = query.where(Case.due_date < today, Case.status.not_in(constants(FINISHED_STATUSES)))
    if selected.search.strip():
        query = query.where(matching(selected.search))
    return query


def _ordered(query: Select[tuple[Case]], sort: str, after_id: int | None) -> Select[tuple[Case]]:
    """Order by ``sort`` and continue after the case ``after_id`` (keyset, no OFFSET). Each order
    is one of the indexes on (tenant_id, id) and (tenant_id, due_date, id), so a page reads its
    rows in index order instead of sorting the town's cases."""
    if sort == OLDEST:
        if after_id is not None:
            query = query.where(Case.id > after_id)
        return query.order_by(Case.tenant_id, Case.id)
    if sort == DUE:
        if after_id is not None:
            query = query.where(_after_in_due_order(after_id))
        return query.order_by(Case.tenant_id, Case.due_date.asc().nulls_last(), Case.id)
    if after_id is not None:
        query = query.where(Case.id < after_id)
    return query.order_by(Case.tenant_id.desc(), Case.id.desc())


def constants(values: tuple[str, ...]) -> BindParameter[Any]:
    """``values`` written into the statement as constants, not parameters: a partial index's
    condition (migration 0022) can then be seen to hold, also in a plan PostgreSQL keeps."""
    return bindparam("constants", list(values), expanding=True, literal_execute=True, unique=True)


# The orders of _ordered for the few rows of a page in Python (cases without a due date last).
SORT_KEYS: dict[str, Callable[[Case], Any]] = {
    NEWEST: lambda case: -case.id,
    OLDEST: lambda case: case.id,
    DUE: lambda case: (case.due_date is None, case.due_date or date.min, case.id),
}


def _after_in_due_order(after_id: int) -> ColumnElement[bool]:
    """Cases after ``after_id`` by due date (cases without one last), then id."""
    cursor_due = db.session.scalar(select(Case.due_date).where(Case.id == after_id))
    if cursor_due is None:
        return and_(Case.due_date.is_(None), Case.id > after_id)
    return or_(Case.due_date > cursor_due, and_(Case.due_date == cursor_due, Case.id > after_id),
               Case.due_date.is_(None))


def status_counts() -> list[StatusCount]:
    """The town's cases per status (statuses without cases left out), each counted up to
    :data:`COUNT_LIMIT` in one statement of bounded index ranges."""
    columns = [
        select(func.count()).select_from(
            select(Case.id).where(Case.status == status).limit(COUNT_LIMIT + 1).subquery()
        ).scalar_subquery().label(status)
        for status in STATUS_LABELS
    ]
    row = db.session.execute(select(*columns)).one()
    return [StatusCount(status, min(count, COUNT_LIMIT), count > COUNT_LIMIT)
            for status, count in zip(STATUS_LABELS, row, strict=True) if count]


def case_page(
    selected: QueueFilter, limit: int = PAGE_SIZE, today: date | None = None
) -> tuple[list[Case], int | None]:
    """Up to ``limit`` of the current town's cases in the filter's order (the ORM adds the town
    filter), and the id to continue after when there are more."""
    query = _ordered(_filtered(selected, today or date.today()), selected.sort, selected.before_id)
    # The page's ids, then their rows: asked for whole rows in id order, PostgreSQL walks the
    # primary key (id alone) through every newer case of the other towns; asked for ids, it reads
    # one of the town's indexes alone ((tenant_id, id), the due dates, the unfinished cases).
    ids = query.with_only_columns(Case.id).limit(limit + 1).scalar_subquery()
    # On PostgreSQL the ids as an array, computed once: the rows are then fetched by primary key.
    chosen = Case.id == any_(func.array(ids)) if db.session.get_bind().dialect.name == "postgresql" else \
        Case.id.in_(ids)
    rows = sorted(db.session.scalars(select(Case).where(chosen)), key=SORT_KEYS[selected.sort])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if has_more else None


def queue_page(selected: QueueFilter, today: date | None = None) -> QueuePage:
    """One page of the current town's cases, its status counts and the titles of its processes."""
    rows, next_id = case_page(selected, PAGE_SIZE, today)
    return QueuePage(rows, status_counts(), next_id, process_titles({case.process_slug for case in rows}))


def process_titles(slugs: set[str]) -> dict[str, dict[str, str]]:
    """The titles of the library's processes ``slugs`` (one statement; none for no slugs)."""
    if not slugs:
        return {}
    rows = db.session.execute(select(Process.slug, Process.title).where(Process.slug.in_(slugs)))
    return {slug: title for slug, title in rows}


# --------------------------------------------------------------------------- the audit log

AUDIT_PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilter:
    """Which audit events the log shows: every field narrows it, empty ones do not."""

    reference: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    # Keyset pagination: events older than this id.
    before_id: int | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log with the references of the cases it mentions."""

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


# How far back and how many services the town's start page counts as "most used".
MOST_USED_DAYS = 90
MOST_USED_LIMIT = 6


# The start page shows them on every visit, and counting a busy town's last 90 days costs most of
# that page; the ranking changes slowly, so each app process counts it per town at most this often.
MOST_USED_SECONDS = 600
_most_used_lock = threading.Lock()


def most_used_services(limit: int = MOST_USED_LIMIT, days: int = MOST_USED_DAYS) -> list[str]:
    """The slugs of the current town's services with the most cases submitted in the last ``days``,
    most first (ties by slug). One grouped statement over the recent cases, ``limit`` rows, counted
    again per town after ``MOST_USED_SECONDS``."""
    cache: TTLCache[tuple[int, int, int], list[str]] = current_app.extensions.setdefault(
        "amtsweg.most_used", TTLCache(maxsize=4096, ttl=MOST_USED_SECONDS))
    key = (current_tenant().id, limit, days)
    with _most_used_lock:
        if key in cache:
            return cache[key]
    # count(*), not count(id): the index of the town's cases by submission time answers it alone.
    count = func.count()
    slugs = list(db.session.scalars(
        select(Case.process_slug)
        .where(Case.submitted_at >= utcnow() - timedelta(days=days))
        .group_by(Case.process_slug)
        .order_by(count.desc(), Case.process_slug)
        .limit(limit)
    ))
    with _most_used_lock:
        cache[key] = slugs
    return slugs

