"""Processing deadlines in working days: weekends and Hessian public holidays do not count.

While a case waits for the citizen its clock is paused: every working day of a pause moves the due
date back by one working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from amtsweg.clock import TOWN_TIME, in_town_time

SUBDIVISION = "HE"
# The towns' local time: an application sent at 00:30 on Tuesday (23:30 UTC Monday) arrives on Tuesday.


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=SUBDIVISION, years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday in Hessen."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def due_date(submitted_on: date, processing_days: int, pauses: Iterable[tuple[date, date | None]] = (),
             today: date | None = None) -> date:
    """When a case is due: ``processing_days`` working days after submission, plus paused working days.

    ``pauses`` are (from, until) periods of waiting for the citizen; an open pause (until None) lasts
    until ``today``.
    """
    today = today or date.today()
    paused = sum(working_days_between(start, end or today) for start, end in pauses)
    return add_working_days(submitted_on, processing_days + paused)


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in the towns' local time, in UTC (for date filters on
    timestamps: SQLite compares the stored UTC clock as text, so the bound must be a UTC clock too)."""
    return datetime.combine(day, time.min, TOWN_TIME).astimezone(UTC)


def initial_due_date(submitted_at: datetime, processing_days: int | None) -> date | None:
    """The due date at submission: ``processing_days`` working days after the local day of arrival.

    None when the process sets no processing target.
    """
    if not processing_days:
        return None
    return add_working_days(in_town_time(submitted_at).date(), processing_days)


def is_overdue(due: date | None, today: date | None = None) -> bool:
    """The due date has passed (a case without one is never overdue)."""
    return due is not None and due < (today or date.today())
