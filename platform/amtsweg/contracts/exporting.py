"""The filtered contract list as CSV (German Excel conventions) or XLSX; the same columns the import reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from amtsweg.contracts.models import Contract
from amtsweg.formatting import format_amount, format_date
from amtsweg.text import spreadsheet_text

# (column heading, how to read it from a contract); the import maps headings back to fields.
COLUMNS: list[tuple[str, Callable[[Contract], Any]]] = [
    ("Nummer", lambda c: c.number),
    ("Titel", lambda c: c.title),
    ("Art", lambda c: c.type_label),
    ("Partner", lambda c: c.partner_name),
    ("Partner-Anschrift", lambda c: c.partner_address),
    ("Partner-Kontakt", lambda c: c.partner_contact),
    ("Fachbereich", lambda c: c.department),
    ("Verantwortlich", lambda c: c.responsible.email if c.responsible else ""),
    ("Vertretung", lambda c: c.deputy.email if c.deputy else ""),
    ("Gegenstand", lambda c: c.subject),
    ("Beginn", lambda c: c.starts_on),
    ("Ende", lambda c: c.ends_on),
    ("Mindestlaufzeit", lambda c: c.minimum_term),
    ("Kündigungsfrist", lambda c: c.notice_period),
    ("Verlängerung", lambda c: c.renewal_period),
    ("Wert", lambda c: None if c.value_cents is None else Decimal(c.value_cents) / 100),
    ("Wertart", lambda c: c.interval_label),
    ("Kostenstelle", lambda c: c.cost_centre),
    ("Status", lambda c: c.status_label),
    ("Schlagwörter", lambda c: ", ".join(c.tags or [])),
    ("Notizen", lambda c: c.notes),
    ("Nächste Kündigungsfrist", lambda c: c.next_notice_by),
    ("Nächstes mögliches Ende", lambda c: c.next_end_on),
]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return format_date(value, "de")
    if isinstance(value, Decimal):
        return format_amount(int(value * 100), "de")
    return str(value)


def to_csv(contracts: Iterable[Contract]) -> bytes:
    """Semicolon-separated UTF-8 with BOM, so German Excel opens it with umlauts and columns intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([heading for heading, _ in COLUMNS])
    for contract in contracts:
        writer.writerow([spreadsheet_text(_text(read(contract))) for _, read in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(contracts: Iterable[Contract]) -> bytes:
    """One sheet "Verträge"; dates and amounts as typed cells."""
    workbook = Workbook()
    # A new workbook has exactly one worksheet.
    sheet = workbook.worksheets[0]
    sheet.title = "Verträge"
    sheet.append([heading for heading, _ in COLUMNS])
    for contract in contracts:
        row = []
        for _, read in COLUMNS:
            value = read(contract)
            row.append(spreadsheet_text(value) if isinstance(value, str) else value)
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
