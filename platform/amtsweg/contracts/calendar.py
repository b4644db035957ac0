"""A user's contract deadlines as an iCalendar feed (all-day events, one per notice deadline or end)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from icalendar import Alarm, Calendar, Event

from amtsweg.clock import utcnow
from amtsweg.contracts.deadlines import InvalidTermsError, PeriodParseError, upcoming_deadlines
from amtsweg.contracts.models import Contract
from amtsweg.contracts.services import contract_url, deadline_of, terms_of
from amtsweg.formatting import format_date

# Deadlines further ahead than this are left out; the feed is re-read by calendars every few hours.
HORIZON_DAYS = 2 * 365


def _alarm(lead_days: int, summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(days=-lead_days))
    alarm.add("description", f"In {lead_days} Tagen: {summary}" if lead_days else summary)
    return alarm


def _event(uid: str, day: date, summary: str, description: str, url: str, lead_days: Iterable[int]) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    # The same lead times as the reminder mails, so the calendar warns in time as well.
    for lead in sorted(set(lead_days), reverse=True):
        event.add_component(_alarm(lead, summary))
    return event


def _events(contract: Contract, today: date, host: str, url: str, lead_days: list[int]) -> list[Event]:
    try:
        deadlines = upcoming_deadlines(terms_of(contract), today, HORIZON_DAYS)
        expiry = deadline_of(contract, today)
    except (PeriodParseError, InvalidTermsError, ValueError):
        return []
    label = f"{contract.number} {contract.title}"
    events = [
        _event(
            f"contract-{contract.id}-notice-{deadline.notice_by.isoformat()}@{host}",
            deadline.notice_by,
            f"Kündigungsfrist: {label}",
            f"Die Kündigung muss bis zum {format_date(deadline.notice_by, 'de')} beim Vertragspartner "
            f"{contract.partner_name} eingegangen sein, damit der Vertrag zum "
            f"{format_date(deadline.ends_on, 'de')} endet.",
            url,
            lead_days,
        )
        # Every upcoming deadline has a notice day (the filter tells the type checker).
        for deadline in deadlines if deadline.notice_by is not None
    ]
    if expiry is not None and expiry.notice_by is None:
        events.append(
            _event(
                f"contract-{contract.id}-end-{expiry.ends_on.isoformat()}@{host}",
                expiry.ends_on,
                f"Vertragsende: {label}",
                f"Der Vertrag mit {contract.partner_name} endet am {format_date(expiry.ends_on, 'de')}.",
                url,
                lead_days,
            )
        )
    return events


def feed(contracts: Iterable[Contract], name: str, host: str, today: date, lead_days: Iterable[int] = ()) -> bytes:
    """The iCalendar document for ``contracts``; ``host`` makes the event ids unique per town, and
    each event carries an alarm ``lead_days`` days before (the reminder mails' lead times)."""
    leads = [int(days) for days in lead_days]
    calendar = Calendar()
    calendar.add("prodid", "-//amtsweg//Vertragsfristen//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for contract in contracts:
        for event in _events(contract, today, host, contract_url(contract), leads):
            calendar.add_component(event)
    return calendar.to_ical()
