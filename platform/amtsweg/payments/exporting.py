"""The booking export of the cash office: one row per fee line received and per refund, as
semicolon-separated UTF-8 with BOM (German Excel and the usual Kassenverfahren imports read it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from amtsweg.payments.queries import BookingRow
from amtsweg.payments.states import method_label

HEADINGS = ("Buchungstag", "Kassenzeichen", "Haushaltsstelle", "Produkt", "Betrag", "Aktenzeichen", "Zahlungsart",
            "Transaktion", "Buchungstext")


def amount_text(cents: int) -> str:
    """-1250 → "-12,50": a plain decimal number, no thousands separator, no currency sign."""
    euros, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{euros},{rest:02d}"


def _text(value: str) -> str:
    # A text cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_csv(rows: Iterable[BookingRow]) -> bytes:
    """The booking rows as the CSV file the cash office imports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in rows:
        writer.writerow([
            row.booked_on.strftime("%d.%m.%Y"), _text(row.kassenzeichen), _text(row.haushaltsstelle),
            _text(row.produkt), amount_text(row.cents), _text(row.reference), method_label(row.method),
            _text(row.transaction_id), _text(row.text),
        ])
    return buffer.getvalue().encode("utf-8-sig")
