"""Notice deadlines of contracts: German term clauses, the next possible end, the last day for notice.

Conventions (German law practice, §§ 187, 188 BGB):

* All values are calendar days. An end date is the contract's *last* day (inclusive): a contract
  ending "zum Jahresende" ends on 31 December, a term of 12 months from 1 January 2024 ends on
  31 December 2024.
* A term (Laufzeit, Mindestlaufzeit, Verlängerung) begins with its first day (§ 187 Abs. 2 BGB) and
  ends with the day before the day whose number matches the first day (§ 188 Abs. 2 BGB); when that
  day is missing in the last month the term ends on the month's last day (§ 188 Abs. 3 BGB). So
  31 January + 1 Monat ends on 28/29 February and 29 February 2024 + 1 Jahr on 28 February 2025.
  A renewal term starts on the day after the previous term ended.
* A notice period (Kündigungsfrist) is set off by the notice's *receipt* (§ 130, § 187 Abs. 1 BGB)
  and ends on the day whose number matches the day of receipt, or on the month's last day when that
  is missing (§ 188 Abs. 2 and 3 BGB): notice received on 30 September with 3 months runs until
  30 December and thus reaches "zum Jahresende"; notice received on 31 March with 1 month runs until
  30 April. `Deadline.notice_by` is the last day on which the notice must be *received*.
* Weekends and public holidays do not move a notice deadline (the BGH does not apply § 193 BGB to
  notice periods), so reminders must come early enough.

Which days a contract can end on:

* With automatic renewal only the end of a term: the first term ends on `end`, or without one when
  the minimum term is over; each renewal adds a term. Notice "zum Jahresende" (or month/quarter end)
  must then coincide with the term ends, which `validate_terms` checks.
* A fixed `end` without renewal ends the contract by itself. Notice with a calendar anchor or none
  ("3 Monate") is an ordinary right to end it earlier; notice "zum Vertragsende" only names the day
  by which a notice for `end` has to arrive.
* An open-ended contract ends on any anchor day (any day without an anchor) that the notice period
  reaches, never before the minimum term is over. Without a notice clause it has no agreed deadline:
  statutory periods apply, which this module does not guess. A renewing contract without a notice
  clause can be given notice until the last day of a term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _

from amtsweg.formatting import format_date

ONE_DAY = timedelta(days=1)


class PeriodUnit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


# A period is a multiple of one of these.
_ONE: dict[PeriodUnit, relativedelta] = {
    PeriodUnit.DAYS: relativedelta(days=1),
    PeriodUnit.WEEKS: relativedelta(weeks=1),
    PeriodUnit.MONTHS: relativedelta(months=1),
    PeriodUnit.YEARS: relativedelta(years=1),
}
_UNIT_LABELS: dict[PeriodUnit, tuple[str, str]] = {
    PeriodUnit.DAYS: ("Tag", "Tage"),
    PeriodUnit.WEEKS: ("Woche", "Wochen"),
    PeriodUnit.MONTHS: ("Monat", "Monate"),
    PeriodUnit.YEARS: ("Jahr", "Jahre"),
}

# Dative forms occur in clauses like "mit einer Frist von drei Monaten".
_UNIT_WORDS: dict[str, PeriodUnit] = {
    word: unit
    for unit, words in {
        PeriodUnit.DAYS: ("tag", "tage", "tagen"),
        PeriodUnit.WEEKS: ("woche", "wochen"),
        PeriodUnit.MONTHS: ("monat", "monate", "monaten"),
        PeriodUnit.YEARS: ("jahr", "jahre", "jahren"),
    }.items()
    for word in words
}

_NUMBER_WORDS: dict[str, int] = {
    word.casefold(): number
    for word, number in {
        "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "eins": 1,
        "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
        "zehn": 10, "elf": 11, "zwölf": 12, "vierzehn": 14, "achtzehn": 18, "zwanzig": 20,
        "vierundzwanzig": 24, "dreißig": 30, "sechsunddreißig": 36, "achtundvierzig": 48,
        "sechzig": 60,
    }.items()
}  # fmt: skip


@dataclass(frozen=True)
class Period:
    """A duration in whole days, weeks, calendar months or years; `str()` gives "3 Monate"."""

    count: int
    unit: PeriodUnit

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", PeriodUnit(self.unit))
        if self.count < 1:
            raise ValueError(_("Ein Zeitraum dauert mindestens 1 %(unit)s.", unit=_UNIT_LABELS[self.unit][0]))

    @property
    def delta(self) -> relativedelta:
        return _ONE[self.unit] * self.count

    @property
    def months(self) -> int | None:
        """Length in calendar months, None for periods counted in days or weeks."""
        if self.unit is PeriodUnit.YEARS:
            return self.count * 12
        return self.count if self.unit is PeriodUnit.MONTHS else None

    def __str__(self) -> str:
        singular, plural = _UNIT_LABELS[self.unit]
        return f"{self.count} {singular if self.count == 1 else plural}"


class Anchor(StrEnum):
    """The day a notice takes effect on ("zum …"); no anchor means any day the period reaches."""

    MONTH_END = "month_end"
    QUARTER_END = "quarter_end"
    YEAR_END = "year_end"
    TERM_END = "term_end"


_ANCHOR_MONTHS: dict[Anchor, int] = {Anchor.MONTH_END: 1, Anchor.QUARTER_END: 3, Anchor.YEAR_END: 12}

# The first phrase of each anchor is the canonical one that `str(NoticePeriod)` writes.
_ANCHOR_PHRASES: dict[Anchor, tuple[str, ...]] = {
    Anchor.MONTH_END: (
        "zum Monatsende", "zum Ende eines Kalendermonats", "zum Ende des Kalendermonats",
        "zum Ende eines Monats", "zum Schluss eines Kalendermonats", "zum Ablauf eines Kalendermonats",
    ),
    Anchor.QUARTER_END: (
        "zum Quartalsende", "zum Ende eines Kalendervierteljahres", "zum Ende eines Kalendervierteljahrs",
        "zum Ende des Kalendervierteljahres", "zum Ende eines Kalenderquartals", "zum Ende eines Quartals",
        "zum Ende des Quartals", "zum Schluss eines Kalendervierteljahres",
    ),
    Anchor.YEAR_END: (
        "zum Jahresende", "zum Ende des Kalenderjahres", "zum Ende eines Kalenderjahres",
        "zum Ende des Kalenderjahrs", "zum Ende eines Kalenderjahrs", "zum Schluss des Kalenderjahres",
        "zum Jahresschluss",
    ),
    Anchor.TERM_END: (
        "zum Vertragsende", "zum Ablauf", "zum Ende der Laufzeit", "zum Ablauf der Laufzeit",
        "zum Ende der Vertragslaufzeit", "zum Ablauf der Vertragslaufzeit", "zum Ablauf des Vertrages",
        "zum Ablauf des Vertrags", "vor Ablauf", "vor Vertragsende", "vor Ablauf der Laufzeit",
        "vor Ablauf der Vertragslaufzeit", "vor Ende der Laufzeit",
    ),
}  # fmt: skip


def _normalize(text: str) -> str:
    return " ".join(text.casefold().replace(",", " ").split()).removesuffix(".")


_ANCHOR_BY_PHRASE: dict[str, Anchor] = {
    _normalize(phrase): anchor for anchor, phrases in _ANCHOR_PHRASES.items() for phrase in phrases
}


@dataclass(frozen=True)
class NoticePeriod:
    """A notice period and the day it takes effect on; `str()` gives "3 Monate zum Jahresende"."""

    period: Period
    anchor: Anchor | None = None

    def __str__(self) -> str:
        if self.anchor is None:
            return str(self.period)
        return f"{self.period} {_ANCHOR_PHRASES[self.anchor][0]}"


class PeriodParseError(ValueError):
    """A duration or notice clause that the parser does not understand (message in the reader's
    language; the clauses themselves are German)."""

    def __init__(self, kind: str, text: str, example: str) -> None:
        super().__init__(_("%(kind)s „%(text)s“ nicht verstanden – Beispiel: „%(example)s“",
                           kind=kind, text=text.strip(), example=example))
        self.text = text


_PERIOD_RE = re.compile(r"(?P<count>\w+) (?P<unit>\w+)(?: (?P<rest>.+))?")


def _split_period(text: str) -> tuple[Period, str | None] | None:
    """The leading "<number> <unit>" of a clause and what follows it, or None if there is none."""
    match = _PERIOD_RE.fullmatch(_normalize(text))
    if match is None:
        return None
    count_text = match["count"]
    count = int(count_text) if count_text.isdecimal() else _NUMBER_WORDS.get(count_text)
    unit = _UNIT_WORDS.get(match["unit"])
    if count is None or count < 1 or unit is None:
        return None
    return Period(count, unit), match["rest"]


def parse_period(text: str) -> Period:
    """Parse "3 Monate", "1 Jahr", "sechs Wochen", "14 Tage" (case-insensitive)."""
    parsed = _split_period(text)
    if parsed is None or parsed[1] is not None:
        raise PeriodParseError(_("Zeitraum"), text, "12 Monate")
    return parsed[0]


def parse_notice_period(text: str) -> NoticePeriod:
    """Parse a notice clause such as "3 Monate zum Jahresende" or "6 Wochen zum Quartalsende"."""
    parsed = _split_period(text)
    if parsed is not None:
        period, rest = parsed
        if rest is None:
            return NoticePeriod(period)
        if rest in _ANCHOR_BY_PHRASE:
            return NoticePeriod(period, _ANCHOR_BY_PHRASE[rest])
    raise PeriodParseError(_("Kündigungsfrist"), text, "3 Monate zum Jahresende")


def term_end(start: date, period: Period) -> date:
    """Last day of a term of `period` that begins on `start` (§ 187 Abs. 2, § 188 Abs. 2, 3 BGB)."""
    following = start + period.delta
    if period.months is not None and following.day != start.day:
        # The start's day is missing in the last month: relativedelta clamped to its last day,
        # which is where § 188 Abs. 3 BGB ends the term.
        return following
    return following - ONE_DAY


def _calendar_end(day: date, anchor: Anchor) -> date:
    """The first month, quarter or year end on or after `day`."""
    months = _ANCHOR_MONTHS[anchor]
    last_month = -(-day.month // months) * months
    return date(day.year, last_month, 1) + relativedelta(day=31)


def _latest_receipt(notice: NoticePeriod | None, ends_on: date) -> date:
    """The last day a notice may be received so that its period has run by the end of `ends_on`."""
    if notice is None:
        return ends_on
    delta = notice.period.delta
    day = ends_on - delta
    # Subtracting months clamps to a month's last day and can land up to three days early.
    while day + ONE_DAY + delta <= ends_on:
        day += ONE_DAY
    return day


def _de(day: date) -> str:
    return format_date(day, "de")


@dataclass(frozen=True)
class ContractTerms:
    """The dates and clauses that decide when a contract can end; `end` None means open-ended."""

    start: date
    end: date | None = None
    minimum_term: Period | None = None
    notice: NoticePeriod | None = None
    renewal: Period | None = None

    @property
    def expiry(self) -> date | None:
        """The day the contract ends by itself: a fixed end that does not renew."""
        return self.end if self.renewal is None else None

    @property
    def first_term_end(self) -> date | None:
        """End of the first term: the agreed end, else the end of the minimum term."""
        if self.end is not None:
            return self.end
        if self.minimum_term is not None:
            return term_end(self.start, self.minimum_term)
        return None

    @property
    def earliest_end(self) -> date:
        """The first day the contract may end on: the last day of the minimum term, else its start."""
        if self.minimum_term is None:
            return self.start
        return term_end(self.start, self.minimum_term)


@dataclass(frozen=True)
class Deadline:
    """The next possible end and the last day for notice; `notice_by` None: it ends without notice."""

    notice_by: date | None
    ends_on: date


class InvalidTermsError(ValueError):
    """Contract terms that contradict themselves; `problems` holds the messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def validate_terms(terms: ContractTerms) -> list[str]:
    """Messages for terms that cannot work together; empty when the terms are consistent."""
    return [message for _field, message in terms_problems(terms)]


def terms_problems(terms: ContractTerms) -> list[tuple[str, str]]:
    """What :func:`validate_terms` finds, each with the contract field to correct (``ends_on``,
    ``notice_period`` or ``renewal_period``)."""
    problems = []
    notice = terms.notice
    anchor = notice.anchor if notice is not None else None
    if terms.end is not None and terms.end < terms.start:
        problems.append(("ends_on", _("Das Vertragsende %(end)s liegt vor dem Vertragsbeginn %(start)s.",
                                      end=_de(terms.end), start=_de(terms.start))))
    if terms.minimum_term is not None and terms.end is not None and terms.end < terms.earliest_end:
        problems.append(("ends_on", _(
            "Das Vertragsende %(end)s liegt vor dem Ende der Mindestlaufzeit von %(term)s am %(earliest)s.",
            end=_de(terms.end), term=str(terms.minimum_term), earliest=_de(terms.earliest_end))))
    if terms.renewal is not None and terms.first_term_end is None:
        problems.append(("renewal_period", _(
            "Eine automatische Verlängerung braucht ein Vertragsende oder eine Mindestlaufzeit, "
            "an die sie anschließt.")))
    if anchor is Anchor.TERM_END and terms.end is None and terms.renewal is None:
        problems.append(("notice_period", _(
            "Eine Kündigung „zum Vertragsende“ braucht ein Vertragsende oder eine automatische Verlängerung.")))
    if problems:
        # The checks below walk the terms, which only makes sense once their dates fit together.
        return problems

    first_end = terms.first_term_end
    if notice is not None and first_end is not None and _latest_receipt(notice, first_end) < terms.start:
        problems.append(("notice_period", _(
            "Die Kündigungsfrist von %(period)s ist länger als die Laufzeit vom %(start)s bis %(end)s.",
            period=str(notice.period), start=_de(terms.start), end=_de(first_end))))
    if terms.renewal is not None and first_end is not None:
        renewal_start = first_end + ONE_DAY
        if notice is not None and _latest_receipt(notice, term_end(renewal_start, terms.renewal)) < renewal_start:
            problems.append(("notice_period", _(
                "Die Kündigungsfrist von %(period)s ist länger als die Verlängerung um %(renewal)s.",
                period=str(notice.period), renewal=str(terms.renewal))))
        if anchor in _ANCHOR_MONTHS:
            phrase = _ANCHOR_PHRASES[anchor][0]
            if _calendar_end(first_end, anchor) != first_end:
                problems.append(("renewal_period", _(
                    "Die erste Laufzeit endet am %(end)s und damit nicht %(anchor)s; bei automatischer Verlängerung "
                    "kann nur zum Ende einer Laufzeit gekündigt werden.", end=_de(first_end), anchor=phrase)))
            elif terms.renewal.months is None or terms.renewal.months % _ANCHOR_MONTHS[anchor]:
                problems.append(("renewal_period", _("Eine Verlängerung um %(renewal)s endet nicht jeweils %(anchor)s.",
                                                     renewal=str(terms.renewal), anchor=phrase)))
    return problems


def _ensure_valid(terms: ContractTerms) -> None:
    problems = validate_terms(terms)
    if problems:
        raise InvalidTermsError(problems)


def _terms_surely_before(start: date, period: Period, day: date) -> int:
    """A lower bound for how many consecutive terms of `period` from `start` end before `day`."""
    if period.months is None:
        elapsed, length = (day - start).days, period.delta.days
    else:
        elapsed, length = (day.year - start.year) * 12 + day.month - start.month, period.months
    return max(0, elapsed // length - 1)


def _term_end_on_or_after(first_end: date, renewal: Period, day: date) -> date:
    """The first end of the initial term (ending on `first_end`) or a renewal term not before `day`."""
    end = first_end
    while end < day:
        start = end + ONE_DAY
        # Renewal terms follow each other at a fixed step unless a start day beyond the 28th can be
        # clamped at a month's end, so whole runs of terms are skipped instead of walked one by one.
        if renewal.months is None or start.day <= 28:
            start += renewal.delta * _terms_surely_before(start, renewal, day)
        end = term_end(start, renewal)
    return end


def _end_by_notice(terms: ContractTerms, received_on: date) -> date | None:
    """The earliest day an ordinary notice received on `received_on` ends the contract on."""
    notice = terms.notice
    reached = received_on if notice is None else received_on + notice.period.delta
    earliest = max(reached, terms.earliest_end)
    if terms.renewal is not None and (first_end := terms.first_term_end) is not None:
        # validate_terms made sure calendar anchors coincide with the term ends.
        return _term_end_on_or_after(first_end, terms.renewal, earliest)
    if notice is None:
        return None
    if notice.anchor is None:
        return earliest
    if notice.anchor is Anchor.TERM_END:
        # validate_terms made sure a contract ending "zum Vertragsende" without renewal has an end.
        return terms.end if terms.end is not None and terms.end >= earliest else None
    return _calendar_end(earliest, notice.anchor)


def _ending(terms: ContractTerms, received_on: date) -> tuple[date, bool] | None:
    """The contract's last day after a notice received on `received_on`, and whether it is the notice
    that ends it (rather than the fixed end); None when it has expired or cannot be ended by notice."""
    by_notice = _end_by_notice(terms, received_on)
    expiry = terms.expiry
    if expiry is None:
        return None if by_notice is None else (by_notice, True)
    if received_on > expiry:
        return None
    if by_notice is not None and by_notice <= expiry:
        return by_notice, True
    return expiry, False


def end_after_notice(terms: ContractTerms, received_on: date) -> date | None:
    """The contract's last day when a notice is received on `received_on` (its fixed end at the latest).

    None when the contract expired before that day or has no agreed way of ending it.
    """
    _ensure_valid(terms)
    ending = _ending(terms, received_on)
    return None if ending is None else ending[0]


def _deadline(terms: ContractTerms, today: date) -> Deadline | None:
    ending = _ending(terms, today)
    if ending is None:
        return None
    ends_on, by_notice = ending
    return Deadline(_latest_receipt(terms.notice, ends_on) if by_notice else None, ends_on)


def next_deadline(terms: ContractTerms, today: date) -> Deadline | None:
    """The earliest day the contract can still end on, counted from `today`, and the last day by which
    notice must be received for it; None when the contract has expired or no ending is agreed.

    Raises `InvalidTermsError` when `validate_terms` finds problems.
    """
    _ensure_valid(terms)
    return _deadline(terms, today)


def upcoming_deadlines(terms: ContractTerms, today: date, horizon_days: int) -> list[Deadline]:
    """The notice deadlines from `today` up to `horizon_days` days later, in order, for reminders.

    A contract that ends on whatever day a plain notice period reaches ("3 Monate", no renewal) has a
    deadline every day and nothing worth a reminder, so it yields none; neither does an expiry that
    needs no notice (see `next_deadline` for that).
    """
    if horizon_days < 0:
        raise ValueError("horizon_days must not be negative")
    _ensure_valid(terms)
    if terms.renewal is None and terms.notice is not None and terms.notice.anchor is None:
        return []
    last_day = today + timedelta(days=horizon_days)
    deadlines: list[Deadline] = []
    deadline = _deadline(terms, today)
    while deadline is not None and deadline.notice_by is not None and deadline.notice_by <= last_day:
        deadlines.append(deadline)
        deadline = _deadline(terms, deadline.notice_by + ONE_DAY)
    return deadlines
