"""A case's history as the clerk reads it: what happened, in words, newest first and paged.

The audit log keeps every event; the history leaves out who merely looked at the case or its files
(those stay in the team lead's audit log) and says each event in a sentence of the page's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from amtsweg.audit.labels import action_label
from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case
from amtsweg.cases.queries import ACCESS_ACTIONS, constants
from amtsweg.cases.states import CITIZEN, channel_label, status_label
from amtsweg.extensions import db

HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class HistoryEntry:
    """One sentence of the history."""

    occurred_at: datetime
    text: str


@dataclass(frozen=True)
class HistoryPage:
    """The newest entries before ``before_id`` and where the older ones start."""

    entries: list[HistoryEntry]
    next_before_id: int | None


def _by(event: AuditEvent) -> str:
    return gettext("der antragstellenden Person") if event.actor == CITIZEN else event.actor


# A transition's sentence by the status it leads to; a resumed case says so.
_TRANSITION_TEXT = {
    "in_progress": lazy_gettext("Bearbeitung begonnen von %(actor)s"),
    "waiting_for_citizen": lazy_gettext("Unterlagen oder Angaben nachgefordert von %(actor)s"),
    "awaiting_payment": lazy_gettext("Zahlung angefordert von %(actor)s"),
    "approved": lazy_gettext("Genehmigt von %(actor)s"),
    "rejected": lazy_gettext("Abgelehnt von %(actor)s"),
    "closed": lazy_gettext("Abgeschlossen von %(actor)s"),
}


def _transition(event: AuditEvent) -> str:
    to, actor = event.details.get("to", ""), _by(event)
    if to == "in_progress" and event.details.get("from") not in (None, "submitted"):
        return gettext("Bearbeitung fortgesetzt von %(actor)s", actor=actor)
    if to in _TRANSITION_TEXT:
        return str(_TRANSITION_TEXT[to]) % {"actor": actor}
    return gettext("Status „%(status)s“ gesetzt von %(actor)s", status=status_label(to), actor=actor)


def _submitted(event: AuditEvent) -> str:
    channel = event.details.get("channel", "online")
    if channel == "online":
        return gettext("Antrag eingegangen")
    return gettext("Antrag erfasst von %(actor)s (%(channel)s)", actor=_by(event), channel=channel_label(channel))


def _assigned(event: AuditEvent) -> str:
    if event.details.get("assignee") is None:
        return gettext("Zuweisung aufgehoben von %(actor)s", actor=_by(event))
    name = event.details.get("assignee_name") or ""
    if name == event.actor:
        return gettext("Übernommen von %(actor)s", actor=name)
    return gettext("Zugewiesen an %(name)s von %(actor)s", name=name, actor=_by(event))


_EVENT_TEXT: dict[str, Callable[[AuditEvent], str]] = {
    "case.submitted": _submitted,
    "case.transition": _transition,
    "case.assigned": _assigned,
    "case.withdrawn": lambda event: gettext("Antrag zurückgezogen von der antragstellenden Person"),
    "case.citizen_replied": lambda event: gettext("Antwort der antragstellenden Person eingegangen"),
    "case.note_added": lambda event: gettext("Interne Notiz von %(actor)s", actor=_by(event)),
    "case.archived": lambda event: gettext("Archiviert"),
}


def describe(event: AuditEvent) -> str:
    """The event in a sentence of the page's language (another kind of event by its label and who did it)."""
    text = _EVENT_TEXT.get(event.action)
    return text(event) if text else f"{action_label(event.action)} ({_by(event)})"


def case_history(case: Case, before_id: int | None = None) -> HistoryPage:
    """The case's events without mere reads, newest first, :data:`HISTORY_PAGE_SIZE` at a time."""
    query: Any = select(AuditEvent).where(
        AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id),
        AuditEvent.action.not_in(constants(ACCESS_ACTIONS)),
    )
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(HISTORY_PAGE_SIZE + 1)))
    has_more = len(events) > HISTORY_PAGE_SIZE
    events = events[:HISTORY_PAGE_SIZE]
    return HistoryPage([HistoryEntry(event.occurred_at, describe(event)) for event in events],
                       events[-1].id if has_more else None)
