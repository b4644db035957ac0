"""The details of an audit event as the team lead reads them in the town's audit log: each known
detail named in the page's language with its value in words; identifiers (a workflow step, a file's
checksum) and details without a name shown as code, so that nothing recorded is hidden."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext
from markupsafe import Markup, escape

from amtsweg.cases.states import channel_label, status_label
from amtsweg.formatting import format_cents
from amtsweg.payments.states import method_label


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
    return escape(", ".join(method_label(method) for method in value) if isinstance(value, list)
                  else method_label(str(value)))


# A detail's name and how its value reads; a detail not listed keeps its key and a code value.
DETAILS: dict[str, tuple[Any, Callable[[Any], Markup]]] = {
    "reference": (lazy_gettext("Aktenzeichen"), _words),
    "case": (lazy_gettext("Aktenzeichen"), _words),
    "aktenzeichen": (lazy_gettext("Aktenzeichen der eAkte"), _words),
    "from": (lazy_gettext("von"), _status),
    "to": (lazy_gettext("nach"), _status),
    "previous_status": (lazy_gettext("vorher"), _status),
    "transition": (lazy_gettext("Schritt"), _code),
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
}


def detail_entries(details: dict[str, Any]) -> list[Markup]:
    """Each recorded detail as "name: value", in the order of :data:`DETAILS` (details without a name
    last, by key); empty details left out."""
    order = {key: position for position, key in enumerate(DETAILS)}
    entries = []
    for key, value in sorted(details.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        if value is None or value == "" or value == [] or value == {}:
            continue
        label, show = DETAILS.get(key, (None, _code))
        name = escape(str(label)) if label is not None else _code(key)
        entries.append(Markup("{}: {}").format(name, show(value)))
    return entries
