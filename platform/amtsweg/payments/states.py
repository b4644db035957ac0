"""Names of the payment states and methods as citizens and the cash office read them."""

from __future__ import annotations

from flask_babel import lazy_gettext

from amtsweg.formatting import format_cents
from amtsweg.payments.providers import PROVIDERS

STATUS_LABELS = {
    "pending": lazy_gettext("Wird eingerichtet"),
    "open": lazy_gettext("Offen"),
    "paid": lazy_gettext("Bezahlt"),
    "failed": lazy_gettext("Fehlgeschlagen"),
    "cancelled": lazy_gettext("Abgebrochen"),
    "refunded": lazy_gettext("Erstattet"),
}

# What caused a change of a payment's state, as the cash office and the audit log name it.
SOURCE_LABELS = {
    "start": lazy_gettext("Start"),
    "return": lazy_gettext("Rückkehr vom Zahlungsdienst"),
    "reconcile": lazy_gettext("Abgleich"),
    "manual": lazy_gettext("Kasse"),
    "refund": lazy_gettext("Kasse"),
    "check": lazy_gettext("Nachfrage der Kasse"),
}

# How a payment's state looks (KERN's feedback colours) to the citizen and to staff.
STATUS_TONES = {"paid": "success", "refunded": "info", "cancelled": "warning", "failed": "danger"}


# XBezahldienste's paymentMethod, as the provider reported how the citizen paid.
PAID_WITH_LABELS = {
    "CREDITCARD": lazy_gettext("Kreditkarte"),
    "GIROPAY": "giropay",
    "PAYDIRECT": "paydirekt",
    "PAYPAL": "PayPal",
    "OTHER": lazy_gettext("anderes Zahlungsmittel"),
}


def paid_with_label(code: str) -> str:
    """How the citizen paid, as reported by the provider, in words."""
    return str(PAID_WITH_LABELS.get(code, code))


def status_label(status: str) -> str:
    """A payment state in the reader's language."""
    return str(STATUS_LABELS.get(status, status))


def source_label(source: str) -> str:
    """What changed a payment's state, in the reader's language."""
    return str(SOURCE_LABELS.get(source, source))


def status_tone(status: str) -> str:
    """The feedback colour of a payment state ("info" while it is being set up or open)."""
    return STATUS_TONES.get(status, "info")


def method_label(method: str) -> str:
    """A payment method's name in the reader's language."""
    provider = PROVIDERS.get(method)
    return str(provider.label) if provider else method


def amount(cents: int) -> str:
    """An amount for a page: "37,84 €" kept on one line (a no-break space before the sign)."""
    return format_cents(cents).replace(" ", "\u00a0")
