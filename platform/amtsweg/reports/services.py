"""State changes of the statistics; each public function is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import and_, case, exists, func, insert, literal, select

from amtsweg.audit.services import record
from amtsweg.cases.models import Case
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.formatting import format_number
from amtsweg.processes.models import Process
from amtsweg.reports.facts import FINAL_STATUSES, WITHDRAWN, decision_values, sql_rules
from amtsweg.reports.models import ApplicationStart, CaseFact, ReportOutlook, ServiceOffer, new_key
from amtsweg.reports.periods import Period
from amtsweg.reports.queries import HISTORY_IMPORTED
from amtsweg.tenancy.context import current_tenant

OUTLOOK_FIELD = "ausblick"
OUTLOOK_MAX_LENGTH = 20_000


class OutlookRefused(DomainError):
    """The outlook text cannot be stored (too long)."""


def save_outlook(period: Period, text: str, actor: str) -> ReportOutlook:
    """Store the current town's outlook for the report of ``period`` (replacing an earlier one)."""
    cleaned = text.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(cleaned) > OUTLOOK_MAX_LENGTH:
        raise OutlookRefused(problems=[Problem(OUTLOOK_FIELD, str(lazy_gettext(
            "Der Ausblick ist zu lang: höchstens %(limit)s Zeichen, Ihr Text hat %(length)s.",
            limit=format_number(OUTLOOK_MAX_LENGTH), length=format_number(len(cleaned)))))])
    outlook = db.session.scalar(select(ReportOutlook).where(
        ReportOutlook.period_start == period.start, ReportOutlook.period_end == period.end))
    if outlook is None:
        outlook = ReportOutlook(period_start=period.start, period_end=period.end, updated_by=actor)
        db.session.add(outlook)
    outlook.text = cleaned
    outlook.updated_by = actor
    record(actor, "reports.outlook_saved", "report", f"{period.start.isoformat()}/{period.end.isoformat()}",
           length=len(cleaned))
    db.session.commit()
    return outlook


def record_missing_facts() -> int:
    """Write the fact rows of the current town's cases that have none (cases loaded without the
    ORM, e.g. in bulk); returns how many. One INSERT … SELECT, whatever the number of cases, with
    the same values as :func:`amtsweg.reports.facts.fact_values` computed by the database; one
    transaction."""
    town = current_tenant().id
    rules = sql_rules(db.session.connection())
    day = rules.local_day
    final = Case.status.in_(sorted(FINAL_STATUSES))
    submitted_on = day(Case.submitted_at)
    # A case that is already final finished when it was closed or last changed.
    finished_on = case((final, day(func.coalesce(Case.closed_at, Case.updated_at))))
    decided = and_(final, Case.status != WITHDRAWN)
    columns = {
        "tenant_id": literal(town), "key": rules.new_key(), "case_id": Case.id,
        "process_slug": Case.process_slug, "channel": Case.channel, "submitted_on": submitted_on,
        "due_on": Case.due_date, "fee_cents": Case.fee_cents, "finished_on": finished_on,
        "outcome": case((final, Case.status)),
        "processing_days": case((decided, rules.days_between(submitted_on, finished_on))),
        "within_target": case((and_(decided, Case.due_date.is_not(None)), finished_on <= Case.due_date)),
    }
    # Counted by RETURNING: psycopg reports no row count for this INSERT … SELECT.
    written = db.session.execute(insert(CaseFact).from_select(
        list(columns), select(*(value.label(name) for name, value in columns.items()))
        .where(Case.tenant_id == town,
               ~exists().where(CaseFact.tenant_id == town, CaseFact.case_id == Case.id)))
        .returning(CaseFact.case_id)).scalars()
    count = sum(1 for _ in written)
    db.session.commit()
    return count


@dataclass(frozen=True)
class HistoricCase:
    """A case of an earlier system, as the statistics count it (no personal data)."""

    process_slug: str
    channel: str
    submitted_on: date
    due_on: date | None = None
    finished_on: date | None = None
    outcome: str | None = None
    fee_cents: int = 0


@dataclass(frozen=True)
class HistoricStart:
    """An online application started on an earlier system: how far it got, and when it was sent."""

    process_slug: str
    started_on: date
    furthest_step: int
    submitted_on: date | None = None


def import_history(
    cases: Iterable[HistoricCase], starts: Iterable[HistoricStart], offered_since: Mapping[str, date], actor: str,
) -> int:
    """Add the current town's figures from before it used this platform (as anonymous facts) and
    the days it has offered its services since (moving the start of today's offers back); returns
    how many cases were added. One transaction, recorded in the audit trail."""
    town = current_tenant()
    facts = []
    for historic in cases:
        if historic.outcome is not None and historic.outcome not in FINAL_STATUSES:
            raise DomainError(f"{historic.outcome} is not a final state")
        facts.append({
            "tenant_id": town.id, "key": new_key(), "case_id": None, "process_slug": historic.process_slug,
            "channel": historic.channel, "submitted_on": historic.submitted_on, "due_on": historic.due_on,
            "finished_on": historic.finished_on, "outcome": historic.outcome, "fee_cents": historic.fee_cents,
            **decision_values(historic.submitted_on, historic.due_on, historic.finished_on, historic.outcome),
        })
    if facts:
        db.session.execute(insert(CaseFact), facts)
    rows = [{"tenant_id": town.id, "key": new_key(), "draft_id": None, "process_slug": start.process_slug,
             "started_on": start.started_on, "furthest_step": start.furthest_step,
             "submitted_on": start.submitted_on, "channel": "online" if start.submitted_on else None}
            for start in starts]
    if rows:
        db.session.execute(insert(ApplicationStart), rows)
    for offer, slug in db.session.execute(
        select(ServiceOffer, Process.slug).join(Process, Process.id == ServiceOffer.process_id)
        .where(ServiceOffer.offered_until.is_(None), Process.slug.in_(list(offered_since)))
    ).tuples():
        offer.offered_from = min(offer.offered_from, offered_since[slug])
    record(actor, HISTORY_IMPORTED, "town", town.slug, cases=len(facts), starts=len(rows))
    db.session.commit()
    return len(facts)
