"""State changes of the statistics; each public function is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import exists, insert, select

from amtsweg.audit.services import record
from amtsweg.cases.models import Case
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.formatting import format_number
from amtsweg.processes.models import Process
from amtsweg.reports.facts import FINAL_STATUSES, CaseFigures, decision_values, fact_values
from amtsweg.reports.models import ApplicationStart, CaseFact, ReportOutlook, ServiceOffer, new_key
from amtsweg.reports.periods import Period
from amtsweg.reports.queries import HISTORY_IMPORTED
from amtsweg.tenancy.context import current_tenant

OUTLOOK_FIELD = "ausblick"
OUTLOOK_MAX_LENGTH = 20_000
# Rows read and written at a time when facts are filled in for bulk-loaded cases.
BATCH = 10_000


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
    ORM, e.g. in bulk); returns how many. Batches of ``BATCH`` cases, one transaction."""
    town = current_tenant().id
    written = 0
    last = 0
    while True:
        rows = db.session.execute(
            select(Case.id, Case.process_slug, Case.channel, Case.status, Case.submitted_at, Case.due_date,
                   Case.fee_cents, Case.closed_at, Case.updated_at)
            .where(Case.id > last, ~exists().where(CaseFact.case_id == Case.id))
            .order_by(Case.id).limit(BATCH)
        ).all()
        if not rows:
            break
        facts = []
        for case_id, slug, channel, status, submitted_at, due_date, fee_cents, closed_at, updated_at in rows:
            # A case that is already final finished when it was closed or last changed.
            moment = closed_at or updated_at
            figures = CaseFigures(slug, channel, status, submitted_at, due_date, fee_cents)
            facts.append({"tenant_id": town, "key": new_key(), "case_id": case_id,
                          **fact_values(figures, moment, None)})
        db.session.execute(insert(CaseFact), facts)
        written += len(facts)
        last = rows[-1][0]
    db.session.commit()
    return written


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
