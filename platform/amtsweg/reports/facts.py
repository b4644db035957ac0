"""How a case becomes a fact row: pure functions shared by the flush hook (recording.py), the
backfill of rows written without the ORM (services.record_missing_facts) and migration 0016."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, cast, func

from amtsweg.clock import TOWN_TIME, in_town_time

# The states a case ends in (the first one reached is its outcome); archived and deleted cases were
# closed before. A withdrawn application was not decided: it has no processing time.
FINAL_STATUSES = frozenset({"approved", "rejected", "closed", "withdrawn", "archived", "deleted"})
WITHDRAWN = "withdrawn"
ONLINE = "online"


def local_day(moment: datetime) -> date:
    """The day a stored (UTC) timestamp falls on in the towns' time zone."""
    return in_town_time(moment).date()


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


# --------------------------------------------------------------------------- the same rules in SQL
# For rows written without the ORM (services.record_missing_facts): one INSERT … SELECT computes
# what fact_values computes for one case, per dialect; other databases (SQLite) get the day in the
# towns' time zone from local_day registered as a function of the connection.

LOCAL_DAY_FUNCTION = "amtsweg_local_day"


def _local_day_text(stored: str | None) -> str | None:
    return None if stored is None else local_day(datetime.fromisoformat(stored)).isoformat()


def register_local_day(connection: Any) -> None:
    """Make :func:`local_day` callable in SQL on this SQLite connection (stored timestamps are text)."""
    connection.create_function(LOCAL_DAY_FUNCTION, 1, _local_day_text, deterministic=True)


@dataclass(frozen=True)
class SqlRules:
    """A dialect's SQL for the day in the towns' time zone, the days between two dates and a new key."""

    local_day: Callable[[Any], Any]
    days_between: Callable[[Any, Any], Any]
    new_key: Callable[[], Any]


_BY_FUNCTION = SqlRules(
    local_day=lambda moment: getattr(func, LOCAL_DAY_FUNCTION)(moment, type_=Date),
    days_between=lambda start, end: cast(func.julianday(end) - func.julianday(start), Integer),
    new_key=lambda: func.lower(func.hex(func.randomblob(16))),
)
SQL_RULES: dict[str, SqlRules] = {"postgresql": SqlRules(
    local_day=lambda moment: cast(func.timezone(TOWN_TIME.key, moment), Date),
    days_between=lambda start, end: end - start,
    new_key=lambda: func.replace(cast(func.gen_random_uuid(), String), "-", ""),
)}


def sql_rules(connection: Any) -> SqlRules:
    """The rules for this connection's database (on SQLite after registering :func:`local_day`)."""
    if connection.dialect.name in SQL_RULES:
        return SQL_RULES[connection.dialect.name]
    register_local_day(connection.connection.driver_connection)
    return _BY_FUNCTION
