"""The period a statistic or report covers: parsed from a form, checked, named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext, ngettext

from amtsweg.errors import DomainError, Problem
from amtsweg.formatting import format_date

# Statistics start with the platform's own era; a period is at most five years (a council report
# covers one, a comparison a few) and ends at most a year ahead (a plan for the running year).
EARLIEST = date(2000, 1, 1)
MAX_YEARS = 5
MAX_AHEAD = timedelta(days=366)
# Field names of the period in forms and links.
START_FIELD = "von"
END_FIELD = "bis"


class InvalidSelection(DomainError):
    """The requested period or process cannot be shown: ``problems`` name the field and the fault."""

    default_message = lazy_gettext("Bitte prüfen Sie Ihre Auswahl.")


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for trends)."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self, locale: str | None = None) -> str:
        return f"{format_date(self.start, locale)} – {format_date(self.end, locale)}"

    def query(self) -> dict[str, Any]:
        """The period as the query arguments of a link."""
        return {START_FIELD: self.start.isoformat(), END_FIELD: self.end.isoformat()}


def last_twelve_months(today: date) -> Period:
    """The default: the twelve months up to today, from the first of the month a year before."""
    return Period(today.replace(day=1) - relativedelta(months=11), today)


@dataclass(frozen=True)
class Preset:
    """A period offered as a link."""

    label: str
    period: Period


def presets(today: date) -> list[Preset]:
    """The periods offered for one click: the last twelve months, this year and last year."""
    last_year = today.year - 1
    return [
        Preset(str(lazy_gettext("Letzte 12 Monate")), last_twelve_months(today)),
        Preset(str(lazy_gettext("Laufendes Jahr %(year)d", year=today.year)), Period(date(today.year, 1, 1), today)),
        Preset(str(lazy_gettext("Jahr %(year)d", year=last_year)),
               Period(date(last_year, 1, 1), date(last_year, 12, 31))),
    ]


def _parse_day(text: str) -> date | None:
    """A date as a date field sends it (2026-03-31) or as typed in German (31.03.2026)."""
    text = text.strip()
    if not text.isascii():
        return None
    try:
        if "." in text:
            day, month, year = (int(part) for part in text.split("."))
            return date(year, month, day)
        return date.fromisoformat(text)
    except (ValueError, OverflowError):
        return None


def parse_period(start_text: str | None, end_text: str | None, today: date) -> Period:
    """The period of a form's ``von`` and ``bis`` (empty: the last twelve months); raises
    :class:`InvalidSelection` naming each faulty field."""
    if not (start_text or "").strip() and not (end_text or "").strip():
        return last_twelve_months(today)
    problems: list[Problem] = []
    parsed: dict[str, date] = {}
    for field, text in ((START_FIELD, start_text or ""), (END_FIELD, end_text or "")):
        day = _parse_day(text[:40])
        if day is None:
            problems.append(Problem(field, str(_unreadable(field, text))))
        else:
            parsed[field] = day
    if problems:
        raise InvalidSelection(problems=problems)
    period = Period(parsed[START_FIELD], parsed[END_FIELD])
    for check in CHECKS:
        problem = check(period, today)
        if problem is not None:
            raise InvalidSelection(problems=[problem])
    return period


def _unreadable(field: str, text: str) -> str:
    if not text.strip():
        return str(lazy_gettext("Bitte geben Sie an, an welchem Tag der Zeitraum beginnt.") if field == START_FIELD
                   else lazy_gettext("Bitte geben Sie an, an welchem Tag der Zeitraum endet."))
    return str(lazy_gettext("„%(value)s“ ist kein gültiges Datum. Bitte geben Sie es als TT.MM.JJJJ an.",
                            value=text.strip()[:40]))


def _in_order(period: Period, today: date) -> Problem | None:
    if period.start > period.end:
        return Problem(END_FIELD, str(lazy_gettext("Das Ende des Zeitraums liegt vor seinem Beginn.")))
    return None


def _not_too_early(period: Period, today: date) -> Problem | None:
    if period.start < EARLIEST:
        return Problem(START_FIELD, str(lazy_gettext("Statistiken gibt es ab dem %(day)s.",
                                                     day=format_date(EARLIEST))))
    return None


def _not_too_late(period: Period, today: date) -> Problem | None:
    if period.end > today + MAX_AHEAD:
        return Problem(END_FIELD, str(lazy_gettext("Der Zeitraum darf höchstens ein Jahr in die Zukunft reichen.")))
    return None


def _not_too_long(period: Period, today: date) -> Problem | None:
    if period.start + relativedelta(years=MAX_YEARS) <= period.end:
        return Problem(END_FIELD, str(ngettext(
            "Der Zeitraum ist zu lang: Statistiken zeigen höchstens %(num)d Jahr auf einmal.",
            "Der Zeitraum ist zu lang: Statistiken zeigen höchstens %(num)d Jahre auf einmal.", MAX_YEARS)))
    return None


# Checked in this order; the first fault found is reported.
CHECKS: list[Callable[[Period, date], Problem | None]] = [_in_order, _not_too_early, _not_too_late, _not_too_long]
