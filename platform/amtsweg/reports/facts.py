"""How a case becomes a fact row: pure functions shared by the flush hook (recording.py), the
backfill of rows written without the ORM (services.record_missing_facts) and migration 0016."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from amtsweg.clock import TOWN_TIME, as_utc

# The states a case ends in (the first one reached is its outcome); archived and deleted cases were
# closed before. A withdrawn application was not decided: it has no processing time.
FINAL_STATUSES = frozenset({"approved", "rejected", "closed", "withdrawn", "archived", "deleted"})
WITHDRAWN = "withdrawn"
ONLINE = "online"


def local_day(moment: datetime) -> date:
    """The day a stored (UTC) timestamp falls on in the towns' time zone."""
    return as_utc(moment).astimezone(TOWN_TIME).date()


@dataclass(frozen=True)
class CaseFigures:
    """What the statistics read of a case, at one moment."""

    process_slug: str
    channel: str
    status: str
    submitted_at: datetime
    due_date: date | None
    fee_cents: int


def fact_values(case: CaseFigures, moment: datetime, finished: tuple[date, str] | None) -> dict[str, Any]:
    """The fact row's values for ``case`` after a change at ``moment``; ``finished`` is the day and
    final state the row recorded before (None if none): a case keeps the day it first finished
    and gets a new one only after it was reopened."""
    if case.status not in FINAL_STATUSES:
        finished = None
    elif finished is None:
        finished = (local_day(moment), case.status)
    finished_on, outcome = finished if finished is not None else (None, None)
    submitted_on = local_day(case.submitted_at)
    return {
        "process_slug": case.process_slug,
        "channel": case.channel,
        "submitted_on": submitted_on,
        "due_on": case.due_date,
        "fee_cents": case.fee_cents,
        "finished_on": finished_on,
        "outcome": outcome,
        **decision_values(submitted_on, case.due_date, finished_on, outcome),
    }


def decision_values(submitted_on: date, due_on: date | None, finished_on: date | None,
                    outcome: str | None) -> dict[str, Any]:
    """Processing days and whether the due date was kept, for a case finished on ``finished_on``
    with ``outcome`` (both None while open; a withdrawn application was not decided)."""
    decided = finished_on is not None and outcome != WITHDRAWN
    return {
        "processing_days": (finished_on - submitted_on).days if decided and finished_on else None,
        "within_target": finished_on <= due_on if decided and finished_on and due_on else None,
    }
