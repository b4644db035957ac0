"""Names of the case states as staff see them (the citizen's status page explains them in full), and of
the channels an application comes through."""

from __future__ import annotations

from flask_babel import lazy_gettext

# The actor of what the applicant did themselves (in messages and audit events).
CITIZEN = "citizen"

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

# How a status badge looks (KERN's feedback colours; "neutral" for cases that are done with).
STATUS_TONES = {
    "submitted": "info",
    "awaiting_payment": "warning",
    "in_progress": "info",
    "waiting_for_citizen": "warning",
    "approved": "success",
    "rejected": "danger",
    "closed": "neutral",
    "withdrawn": "neutral",
    "archived": "neutral",
}

# How an application reached the town; every channel but "online" is recorded by a clerk.
CHANNEL_LABELS = {
    "online": lazy_gettext("Online"),
    "phone": lazy_gettext("Telefon"),
    "post": lazy_gettext("Post"),
    "in_person": lazy_gettext("Persönlich vor Ort"),
}


def channel_label(channel: str) -> str:
    """The name of an intake channel in the page's language (the key when unknown)."""
    return str(CHANNEL_LABELS.get(channel, channel))

# Who wrote a message on the case, and what kind of message it is.
MESSAGE_LABELS = {
    ("clerk", "information_request"): lazy_gettext("Sachbearbeitung – Nachforderung"),
    ("clerk", "message"): lazy_gettext("Sachbearbeitung – Nachricht"),
    (CITIZEN, "reply"): lazy_gettext("Antragsteller/in – Antwort"),
}


def message_label(author: str, kind: str) -> str:
    """The heading of a message on the clerk's case page."""
    label = MESSAGE_LABELS.get((author, kind))
    if label is not None:
        return str(label)
    return str(lazy_gettext("Antragsteller/in")) if author == CITIZEN else str(lazy_gettext("Sachbearbeitung"))


def status_tone(status: str) -> str:
    """The badge colour of a case status ("neutral" when unknown)."""
    return STATUS_TONES.get(status, "neutral")


def status_label(status: str) -> str:
    """The staff's name of a case status in the page's language (the key when unknown)."""
    return str(STATUS_LABELS.get(status, status))

# How an application reached the town: online by the citizen, or recorded by a clerk.
CHANNEL_LABELS = {
    "online": lazy_gettext("Online"),
    "phone": lazy_gettext("Telefon"),
    "post": lazy_gettext("Post"),
    "in_person": lazy_gettext("Persönlich vor Ort"),
}
