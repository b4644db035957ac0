"""Names of the case states as staff see them (the citizen's status page explains them in full)."""

from __future__ import annotations

from flask_babel import lazy_gettext

STATUS_LABELS = {
    "submitted": lazy_gettext("Eingegangen"),
    "awaiting_payment": lazy_gettext("Wartet auf Zahlung"),
    "in_progress": lazy_gettext("In Bearbeitung"),
    "waiting_for_citizen": lazy_gettext("Wartet auf Antwort"),
    "approved": lazy_gettext("Genehmigt"),
    "rejected": lazy_gettext("Abgelehnt"),
    "closed": lazy_gettext("Abgeschlossen"),
    "withdrawn": lazy_gettext("Zurückgezogen"),
    "archived": lazy_gettext("Archiviert"),
}


def status_label(status: str) -> str:
    """The staff's name of a case status in the page's language (the key when unknown)."""
    return str(STATUS_LABELS.get(status, status))
