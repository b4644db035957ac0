"""The details of an audit event as the team lead reads them in the town's audit log: each known
detail named in the page's language with its value in words; identifiers (a workflow step, a file's
checksum) and details without a name shown as code, so that nothing recorded is hidden."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from markupsafe import Markup, escape

from amtsweg.archive.models import STATE_LABELS
from amtsweg.auth.api_tokens import SCOPES
from amtsweg.auth.roles import ROLE_LABELS
from amtsweg.cases.states import channel_label, status_label
from amtsweg.formatting import format_cents, format_date
from amtsweg.forms.base import localized
from amtsweg.notifications.webhooks import EVENT_TYPES
from amtsweg.payments import states as payment_states


def _code(value: Any) -> Markup:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup("<code>{}</code>").format(text)


def _words(value: Any) -> Markup:
    return escape(", ".join(map(str, value)) if isinstance(value, list) else str(value))


def _status(value: Any) -> Markup:
    return escape(status_label(str(value)))


def _cents(value: Any) -> Markup:
    return escape(format_cents(int(value)))


def _methods(value: Any) -> Markup:
    return escape(", ".join(payment_states.method_label(method) for method in value) if isinstance(value, list)
                  else payment_states.method_label(str(value)))


def _labelled(labels: dict[str, Any]) -> Callable[[Any], Markup]:
    """Values (one or a list) by their label in ``labels``; a value without one as it was recorded."""
    def show(value: Any) -> Markup:
        values = value if isinstance(value, list) else [value]
        return escape(", ".join(str(labels[item]) if isinstance(item, str) and item in labels else str(item)
                                for item in values))
    return show


def _day(value: Any) -> Markup:
    """A recorded day or moment (ISO text) as the day it is in Germany."""
    text = str(value)
    try:
        return escape(format_date(datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)))
    except ValueError:
        return escape(text)


DISPOSAL_LABELS = {"archive": lazy_gettext("an das Archiv abgegeben"), "delete": lazy_gettext("vernichtet")}


# A detail's name and how its value reads; a detail not listed keeps its key and a code value.
DETAILS: dict[str, tuple[Any, Callable[[Any], Markup]]] = {
    "reference": (lazy_gettext("Aktenzeichen"), _words),
    "case": (lazy_gettext("Aktenzeichen"), _words),
    "aktenzeichen": (lazy_gettext("Aktenzeichen der eAkte"), _words),
    "from": (lazy_gettext("von"), _status),
    "to": (lazy_gettext("nach"), _status),
    "previous_status": (lazy_gettext("vorher"), _status),
    "step": (lazy_gettext("Schritt"), lambda value: escape(localized(value))),
    "transition": (lazy_gettext("Kennung des Schritts"), _code),
    "channel": (lazy_gettext("Eingangsweg"), lambda value: escape(channel_label(str(value)))),
    "assignee_name": (lazy_gettext("zugewiesen an"), _words),
    "previous": (lazy_gettext("vorher zugewiesen (Konto-Nr.)"), _words),
    "assignee": (lazy_gettext("Konto-Nr."), _words),
    "message": (lazy_gettext("Nachricht Nr."), _words),
    "letters": (lazy_gettext("Schreiben Nr."), _words),
    "note": (lazy_gettext("Notiz Nr."), _words),
    "document": (lazy_gettext("Dokument Nr."), _words),
    "document_id": (lazy_gettext("Dokument Nr."), _words),
    "documents": (lazy_gettext("Dokumente"), _words),
    "filename": (lazy_gettext("Datei"), _words),
    "name": (lazy_gettext("Name"), _words),
    "version": (lazy_gettext("Version"), _words),
    "versions": (lazy_gettext("Versionen"), _words),
    "kassenzeichen": (lazy_gettext("Kassenzeichen"), _words),
    "payment_due_cents": (lazy_gettext("fälliger Betrag"), _cents),
    "amount_cents": (lazy_gettext("Betrag"), _cents),
    "payment_methods": (lazy_gettext("Zahlungsarten"), _methods),
    "method": (lazy_gettext("Zahlungsart"), _methods),
    "attempt": (lazy_gettext("Versuch"), _words),
    "number": (lazy_gettext("Nummer"), _words),
    "count": (lazy_gettext("Anzahl"), _words),
    "objects": (lazy_gettext("Vorgänge"), _words),
    "process": (lazy_gettext("Leistung (Kurzname)"), _words),
    "fee_problem": (lazy_gettext("Problem bei der Gebühr"), _words),
    "source": (lazy_gettext("Anlass"), _labelled(payment_states.SOURCE_LABELS)),
    "paid_on": (lazy_gettext("bezahlt am"), _day),
    "reason": (lazy_gettext("Begründung"), _words),
    "disposal": (lazy_gettext("Aussonderung"), _labelled(DISPOSAL_LABELS)),
    "handoff": (lazy_gettext("Abgabe"), _words),
    "retention_ends_on": (lazy_gettext("aufzubewahren bis"), _day),
    "holder": (lazy_gettext("ausgecheckt von"), _words),
    "sha256": (lazy_gettext("Prüfsumme (SHA-256)"), _code),
    "state": (lazy_gettext("Stand"), _labelled(STATE_LABELS)),
    "file": (lazy_gettext("Datei"), _words),
    "scopes": (lazy_gettext("Berechtigungen"), _labelled(SCOPES)),
    "roles": (lazy_gettext("Rollen"), _labelled(ROLE_LABELS)),
    "expires_at": (lazy_gettext("gültig bis"), _day),
    "issuer": (lazy_gettext("Anmeldedienst"), _words),
    "url": (lazy_gettext("Adresse"), _words),
    "events": (lazy_gettext("Ereignisse"), _labelled(EVENT_TYPES)),
    "event": (lazy_gettext("Ereignis-Nr."), _code),
    "delivery": (lazy_gettext("Zustellung Nr."), _words),
    "version_id": (lazy_gettext("Versionsnummer"), _words),
    "previous_version_id": (lazy_gettext("vorherige Versionsnummer"), _words),
    "town": (lazy_gettext("Kommune (Kurzname)"), _words),
    "before": (lazy_gettext("vorher"), _code),
    "after": (lazy_gettext("nachher"), _code),
    "length": (lazy_gettext("Zeichen"), _words),
    "cases": (lazy_gettext("Vorgänge"), _words),
    "starts": (lazy_gettext("begonnene Anträge"), _words),
    "path": (lazy_gettext("Pfad"), _code),
}

# Details whose key means something else in one family of actions ("payment.paid", "api.call"):
# a payment's ``previous`` is its former state, not a former assignee; an application's ``version``
# is the content hash of its service's definition, not a document's version number.
FAMILY_DETAILS: dict[tuple[str, str], tuple[Any, Callable[[Any], Markup]]] = {
    ("case", "version"): (lazy_gettext("Version der Leistung"), _code),
    ("payment", "previous"): (lazy_gettext("vorheriger Stand"), _labelled(payment_states.STATUS_LABELS)),
    ("payment", "note"): (lazy_gettext("Vermerk"), _words),
    ("api", "method"): (lazy_gettext("HTTP-Methode"), _words),
    ("api", "status"): (lazy_gettext("HTTP-Status"), _words),
}


def detail_entries(action: str, details: dict[str, Any]) -> list[Markup]:
    """Each recorded detail of an ``action`` as "name: value", in the order of :data:`DETAILS` (details
    without a name last, by key); empty details left out."""
    order = {key: position for position, key in enumerate(DETAILS)}
    family = action.split(".")[0]
    entries = []
    for key, value in sorted(details.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        if value is None or value == "" or value == [] or value == {}:
            continue
        label, show = FAMILY_DETAILS.get((family, key)) or DETAILS.get(key, (None, _code))
        name = escape(str(label)) if label is not None else _code(key)
        entries.append(Markup("{}: {}").format(name, show(value)))
    return entries
