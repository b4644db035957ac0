"""The PaymentRequest rules of XBezahldienste 1.0.0, checked the way a provider checks them.

Written from the specification on purpose without the platform's client models: a mistake in
those must show up here as an error, not be mirrored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

# The specification's patterns, \w read as Java reads it (ASCII letters, digits, "_").
ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
PURPOSE = re.compile(r"^[A-Za-z0-9_\s-]{1,27}$")
TEXT = re.compile(r"^[A-Za-z0-9_\s\-,.\u00C0-\u017F]{1,250}$")
MAX_AMOUNT = Decimal("999999")


class Invalid(Exception):
    """A request the provider refuses, with the functionalCode of its problem+json answer."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _amount(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise Invalid("VALIDATION_ERROR", f"{where} muss eine Zahl sein")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise Invalid("VALIDATION_ERROR", f"{where} ist keine gueltige Zahl") from exc
    if not (0 <= amount <= MAX_AMOUNT) or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise Invalid("VALIDATION_ERROR", f"{where} muss zwischen 0 und 999999 mit hoechstens zwei Nachkommastellen "
                                          "liegen")
    return amount


def _text(value: Any, pattern: re.Pattern[str], where: str, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not pattern.match(value):
        raise Invalid("VALIDATION_ERROR", f"{where} fehlt, ist zu lang oder enthaelt unzulaessige Zeichen")


def check_ids(originator_id: str, endpoint_id: str) -> None:
    """Refuse originator and endpoint ids that break the specification's pattern."""
    _text(originator_id, ID, "originatorId", True)
    _text(endpoint_id, ID, "endPointId", True)


def check_request(body: Any, required_booking_keys: Iterable[str]) -> None:
    """Raise :class:`Invalid` for the first rule the request breaks."""
    if not isinstance(body, dict):
        raise Invalid("VALIDATION_ERROR", "Der PaymentRequest muss ein JSON-Objekt sein")
    _text(body.get("requestId"), ID, "requestId", True)
    if body.get("requestTimestamp") is not None:
        try:
            datetime.fromisoformat(str(body["requestTimestamp"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid("VALIDATION_ERROR", "requestTimestamp ist kein Zeitstempel") from exc
    currency = body.get("currency", "EUR")
    if currency != "EUR":
        raise Invalid("VALIDATION_ERROR", "Waehrung nicht unterstuetzt, nur EUR")
    gros = _amount(body.get("grosAmount"), "grosAmount")
    _text(body.get("purpose"), PURPOSE, "purpose")
    _text(body.get("description"), TEXT, "description")
    redirect = body.get("redirectUrl")
    if not isinstance(redirect, str) or not 0 < len(redirect) <= 2082 or not re.match(r"^https?://\S+$", redirect):
        raise Invalid("VALIDATION_ERROR", "redirectUrl fehlt oder ist keine URL")
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 99:
        raise Invalid("VALIDATION_ERROR", "items muss 1 bis 99 Positionen enthalten")
    total = Decimal(0)
    for number, item in enumerate(items, start=1):
        where = f"Position {number}"
        if not isinstance(item, dict):
            raise Invalid("VALIDATION_ERROR", f"{where} ist kein Objekt")
        _text(item.get("id"), ID, f"{where} id", True)
        _text(item.get("reference"), ID, f"{where} reference")
        _text(item.get("description"), TEXT, f"{where} description")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 999999:
            raise Invalid("VALIDATION_ERROR", f"{where} quantity muss zwischen 1 und 999999 liegen")
        if item.get("taxRate") is not None and not 0 <= _amount(item["taxRate"], f"{where} taxRate") <= 100:
            raise Invalid("VALIDATION_ERROR", f"{where} taxRate muss zwischen 0 und 100 liegen")
        total += _amount(item.get("totalNetAmount"), f"{where} totalNetAmount")
        total += _amount(item.get("totalTaxAmount", 0), f"{where} totalTaxAmount")
        booking = item.get("bookingData") or {}
        if not isinstance(booking, dict) or not all(isinstance(k, str) and isinstance(v, str) and len(v) <= 250
                                                    for k, v in booking.items()):
            raise Invalid("VALIDATION_ERROR", f"{where} bookingData muss Texte enthalten")
        missing = [key for key in required_booking_keys if not booking.get(key)]
        if missing:
            raise Invalid("BOOKING_DATA_MISSING", f"{where} bookingData ohne {', '.join(missing)}")
    if total != gros:
        raise Invalid("CALCULATION_ERROR", f"grosAmount {gros} ist nicht die Summe der Positionen {total}")
