"""The clock: timestamps are stored in UTC; the dates a citizen or clerk sees are dates in Germany."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOWN_TIME = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    """The current time, time-zone aware in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def today_in_germany() -> date:
    """Today's date in the towns' time zone (after 22:00/23:00 UTC it is already tomorrow there)."""
    return datetime.now(TOWN_TIME).date()


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back without a time zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_town_time(moment: datetime) -> datetime:
    """A stored timestamp in the towns' time (Europe/Berlin, with the offset in force then)."""
    return as_utc(moment).astimezone(TOWN_TIME)
