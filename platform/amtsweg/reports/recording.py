"""Keeping the statistics' facts in step with what they describe, inside the same transaction.

Every flush that creates or changes a case, a draft or a town's enablement of a process also writes
the matching fact row (models.py). So every way of changing them — today's services and whatever
replaces them — is counted without a call of its own, and deleting a case or draft (the retention
run, expired drafts) leaves its row, so past figures never change. Rows written without the ORM
(bulk loads) get their facts from :func:`amtsweg.reports.services.record_missing_facts`.

The hook runs after the tenancy hook, which registered first and stamped the new rows' town; the
fact rows take the town of the row they describe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from amtsweg.cases.models import SUBMITTED, Case, Draft
from amtsweg.clock import as_utc, today_in_germany, utcnow
from amtsweg.processes.models import ProcessEnablement
from amtsweg.reports.facts import ONLINE, CaseFigures, fact_values, local_day
from amtsweg.reports.models import ApplicationStart, CaseFact, ServiceOffer
from amtsweg.tenancy.context import current_tenant

# A change of these attributes of a case changes its fact row.
CASE_FIELDS = ("status", "submitted_at", "due_date", "channel", "fee_cents", "process_slug")


def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _moment(obj: Any) -> datetime:
    """When a change happened: the row's ``updated_at`` if the writer set it (an import, the demo's
    history), otherwise now — which is what the column's own onupdate will store."""
    given = inspect(obj).attrs.updated_at.history.added
    return as_utc(given[0]) if given and given[0] is not None else utcnow()


def _town_of(obj: Any) -> int:
    return obj.tenant_id if obj.tenant_id is not None else current_tenant().id


def _figures(case: Case, moment: datetime) -> CaseFigures:
    # Column defaults of a new case are only applied by the INSERT; read them as they will be.
    return CaseFigures(
        process_slug=case.process_slug, channel=case.channel or ONLINE, status=case.status or SUBMITTED,
        submitted_at=case.submitted_at or moment, due_date=case.due_date, fee_cents=case.fee_cents or 0,
    )


def _apply(fact: CaseFact, case: Case) -> None:
    moment = _moment(case)
    finished = (fact.finished_on, fact.outcome or "") if fact.finished_on is not None else None
    for name, value in fact_values(_figures(case, moment), moment, finished).items():
        setattr(fact, name, value)


def _case_created(session: Session, case: Case) -> None:
    fact = CaseFact(tenant_id=_town_of(case), case=case)
    _apply(fact, case)
    session.add(fact)


def _case_changed(session: Session, case: Case) -> None:
    if not _changed(case, *CASE_FIELDS):
        return
    fact = session.scalar(select(CaseFact).where(CaseFact.case_id == case.id))
    if fact is None:
        # A case from before the statistics (or a bulk load not yet backfilled).
        fact = CaseFact(tenant_id=case.tenant_id, case_id=case.id)
        session.add(fact)
    _apply(fact, case)


def _start_of(session: Session, draft: Draft) -> ApplicationStart:
    start = session.scalar(select(ApplicationStart).where(ApplicationStart.draft_id == draft.id))
    if start is None:
        start = ApplicationStart(tenant_id=draft.tenant_id, draft_id=draft.id, process_slug=draft.process_slug,
                                 started_on=local_day(draft.created_at or utcnow()), furthest_step=0)
        session.add(start)
    return start


def _draft_created(session: Session, draft: Draft) -> None:
    session.add(ApplicationStart(
        tenant_id=_town_of(draft), draft=draft, process_slug=draft.process_slug,
        started_on=local_day(draft.created_at or _moment(draft)), furthest_step=draft.completed_steps or 0,
    ))


def _draft_changed(session: Session, draft: Draft) -> None:
    if _changed(draft, "completed_steps"):
        start = _start_of(session, draft)
        # Moving onto a new version of the form resets the steps; the furthest reached stays.
        start.furthest_step = max(start.furthest_step or 0, draft.completed_steps or 0)


def _draft_deleted(session: Session, draft: Draft) -> None:
    # A submission deletes its draft in the transaction that created the case under its key.
    case = session.execute(
        select(Case.submitted_at, Case.channel).where(Case.idempotency_key == draft.submission_key)
    ).first()
    if case is not None:
        start = _start_of(session, draft)
        start.submitted_on = local_day(case.submitted_at)
        start.channel = case.channel


def _enablement_created(session: Session, row: ProcessEnablement) -> None:
    if row.enabled:
        _open_offer(session, row)


def _enablement_changed(session: Session, row: ProcessEnablement) -> None:
    if not _changed(row, "enabled"):
        return
    if row.enabled:
        _open_offer(session, row)
        return
    for offer in session.scalars(select(ServiceOffer).where(
        ServiceOffer.process_id == row.process_id, ServiceOffer.offered_until.is_(None)
    )):
        offer.offered_until = today_in_germany()


def _open_offer(session: Session, row: ProcessEnablement) -> None:
    offer = ServiceOffer(tenant_id=_town_of(row), offered_from=today_in_germany())
    if row.process_id is not None:
        offer.process_id = row.process_id
    else:
        offer.process = row.process
    session.add(offer)


@dataclass(frozen=True)
class Recorder:
    """What a flush of one kind of row writes into the facts."""

    created: Callable[[Session, Any], None]
    changed: Callable[[Session, Any], None]
    deleted: Callable[[Session, Any], None] | None = None


RECORDERS: dict[type, Recorder] = {
    Case: Recorder(_case_created, _case_changed),
    Draft: Recorder(_draft_created, _draft_changed, _draft_deleted),
    ProcessEnablement: Recorder(_enablement_created, _enablement_changed),
}


@event.listens_for(Session, "before_flush")
def _record_facts(session: Session, flush_context: object, instances: object) -> None:
    new, dirty, deleted = list(session.new), list(session.dirty), list(session.deleted)
    with session.no_autoflush:
        for obj in new:
            if (recorder := RECORDERS.get(type(obj))) is not None:
                recorder.created(session, obj)
        for obj in dirty:
            if (recorder := RECORDERS.get(type(obj))) is not None:
                recorder.changed(session, obj)
        for obj in deleted:
            if (recorder := RECORDERS.get(type(obj))) is not None and recorder.deleted is not None:
                recorder.deleted(session, obj)
