"""Names of the payment states and methods as citizens and the cash office read them."""

from __future__ import annotations

from flask_babel import lazy_gettext

from amtsweg.payments.providers import PROVIDERS

STATUS_LABELS = {
    "pending": lazy_gettext("Wird eingerichtet"),
    "open": lazy_gettext("Offen"),
    "paid": lazy_gettext("Bezahlt"),
    "failed": lazy_gettext("Fehlgeschlagen"),
    "cancelled": lazy_gettext("Abgebrochen"),
    "refunded": lazy_gettext("Erstattet"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def method_label(method: str) -> str:
    provider = PROVIDERS.get(method)
    return str(provider.label) if provider else method
