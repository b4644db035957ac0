"""The towns' local time: dates a citizen or clerk sees are dates in Germany, not in UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TOWN_TIME = ZoneInfo("Europe/Berlin")


def today_in_germany() -> date:
    return datetime.now(TOWN_TIME).date()
