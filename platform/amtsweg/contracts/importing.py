"""Reading an existing contract spreadsheet (CSV or XLSX) into checked rows for a preview.

Nothing is stored here: `read_file` turns the file into rows of text, `rows_of` into rows by column,
`problems_of` checks them and names row and column of every problem (each time the preview is
shown, in its language), and `inputs_of` turns the rows kept in a preview back into contract input
when the user confirms.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from amtsweg.auth.models import User
from amtsweg.cleaning import strip_controls
from amtsweg.contracts.exporting import COLUMNS
from amtsweg.contracts.models import CONTRACT_TYPES, STATUSES, VALUE_INTERVALS
from amtsweg.contracts.services import ContractInput, check, clause_problems
from amtsweg.documents.services import UploadRejected, check_container
from amtsweg.errors import DomainError, Problem
from amtsweg.formatting import format_date
from amtsweg.text import fold

MAX_ROWS = 5000
REQUIRED = ("Titel", "Art", "Partner", "Beginn")
# Column heading → field of ContractInput ("responsible"/"deputy" hold e-mail addresses).
FIELDS: dict[str, str] = {
    "Nummer": "number", "Titel": "title", "Art": "contract_type", "Partner": "partner_name",
    "Partner-Anschrift": "partner_address", "Partner-Kontakt": "partner_contact", "Fachbereich": "department",
    "Verantwortlich": "responsible_id", "Vertretung": "deputy_id", "Gegenstand": "subject",
    "Beginn": "starts_on", "Ende": "ends_on", "Mindestlaufzeit": "minimum_term",
    "Kündigungsfrist": "notice_period", "Verlängerung": "renewal_period", "Wert": "value_cents",
    "Wertart": "value_interval", "Kostenstelle": "cost_centre", "Status": "status", "Schlagwörter": "tags",
    "Notizen": "notes",
}  # fmt: skip
_HEADINGS = {fold(heading): heading for heading, _ in COLUMNS}
_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


class ImportFileError(DomainError):
    """The file as a whole cannot be read; ``str()`` says why."""


def _choices(labels: dict[str, str]) -> dict[str, str]:
    folded = {fold(label): key for key, label in labels.items()}
    folded.update({key: key for key in labels})
    return folded


_TYPES, _STATUSES, _INTERVALS = _choices(CONTRACT_TYPES), _choices(STATUSES), _choices(VALUE_INTERVALS)


def parse_date(text: str) -> date:
    """A German date "TT.MM.JJJJ"; ValueError with a message otherwise."""
    match = _DATE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ValueError(_("Datum „%(text)s“ nicht verstanden – bitte im Format TT.MM.JJJJ, z. B. 01.01.2026.",
                           text=text)) from None


# Cents are stored in a 64-bit integer column; no municipal contract comes near this.
MAX_EUROS = 10**12


def parse_money(text: str) -> int:
    """A euro amount ("1.234,56", "1234,5", "1234.56", "1234") in cents; ValueError otherwise."""
    cleaned = text.strip().removesuffix("€").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned or _THOUSANDS.fullmatch(cleaned):
        # German notation: dots group thousands, the comma separates the cents.
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Betrag „%(text)s“ nicht verstanden – Beispiel: 1.234,56", text=text)) from None
    if not amount.is_finite() or abs(amount) >= MAX_EUROS:
        raise ValueError(_("Betrag „%(text)s“ ist keine Zahl unter %(limit)s €.", text=text,
                           limit=f"{MAX_EUROS:,}".replace(",", ".")))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Betrag „%(text)s“ hat mehr als zwei Nachkommastellen.", text=text))
    return int(amount * 100)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Spreadsheet dates are plain days (no time zone to convert).
        return format_date(value.date(), "de")
    if isinstance(value, date):
        return format_date(value, "de")
    if isinstance(value, float):
        return f"{value:.2f}" if value != int(value) else str(int(value))
    # A cell may spell any character, U+0000 included ("_x0000_").
    return strip_controls(str(value)).strip()


UNREADABLE_XLSX = lazy_gettext("Die Datei ist keine lesbare Excel-Datei (XLSX).")
TOO_MANY_ROWS = lazy_gettext("Die Datei hat mehr als %(count)d Zeilen; bitte teilen Sie sie auf.", count=MAX_ROWS)
# Columns read per row: every known heading fits, and a sheet claiming 16,384 columns is not padded.
MAX_COLUMNS = 3 * len(FIELDS)
# Rows read at most, empty ones included, before the file is refused without reading further.
MAX_RAW_ROWS = 10 * MAX_ROWS
# What openpyxl and the XML parser raise for a broken workbook (missing parts, truncated or invalid
# XML, a shared-string index past the table, values of the wrong type).
_BROKEN_WORKBOOK = (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, OSError, SyntaxError,
                    TypeError, ValueError, EOFError, zlib.error)


def _read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's non-empty rows, read as a stream that stops past the row limit."""
    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
        check_container(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFileError(UNREADABLE_XLSX) from exc
    except UploadRejected as exc:
        raise ImportFileError(exc.message) from exc
    rows: list[list[str]] = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ImportFileError(UNREADABLE_XLSX)
            sheet = workbook.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                cells = [_cell_text(value) for value in row]
                if any(cells):
                    rows.append(cells)
                if len(rows) > MAX_ROWS + 1 or number > MAX_RAW_ROWS:
                    raise ImportFileError(TOO_MANY_ROWS)
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except _BROKEN_WORKBOOK as exc:
        raise ImportFileError(UNREADABLE_XLSX) from exc
    return rows


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in Windows-1252 unless told otherwise.
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ImportFileError(_("Die Datei ist keine Textdatei (CSV)."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        return [[strip_controls(cell).strip() for cell in row]
                for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise ImportFileError(_("Die CSV-Datei ist fehlerhaft: %(problem)s.", problem=str(exc))) from exc


def read_file(filename: str, data: bytes) -> list[list[str]]:
    """The file's first sheet (XLSX) or its lines (CSV) as rows of text, the heading row first."""
    if not data:
        raise ImportFileError(_("Die Datei ist leer."))
    is_xlsx = data[:2] == b"PK"
    if filename.lower().endswith(".xlsx") and not is_xlsx:
        raise ImportFileError(UNREADABLE_XLSX)
    rows = _read_xlsx(data) if is_xlsx else _read_csv(data)
    rows = [row for row in rows if any(row)]
    if not rows:
        raise ImportFileError(_("Die Datei enthält keine Zeilen."))
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(TOO_MANY_ROWS)
    return rows


def _columns(heading_row: list[str]) -> dict[int, str]:
    """Position → heading; unknown columns are ignored, missing required ones refused."""
    columns = {index: _HEADINGS[fold(cell)] for index, cell in enumerate(heading_row) if fold(cell) in _HEADINGS}
    missing = [heading for heading in REQUIRED if heading not in columns.values()]
    if missing:
        raise ImportFileError(_(
            "In der ersten Zeile fehlen die Spalten %(missing)s. Erwartet werden: %(expected)s.",
            missing=", ".join(f"„{name}“" for name in missing), expected=", ".join(FIELDS),
        ))
    return columns


def _choice(table: dict[str, str], text: str, field: str, labels: dict[str, str]) -> str:
    key = table.get(fold(text))
    if key is None:
        raise ValueError(_("„%(text)s“ ist keiner der Werte %(values)s.", text=text, values=", ".join(labels.values())))
    return key


def _person(text: str, people: dict[str, User]) -> int | None:
    if not text:
        return None
    user = people.get(text.casefold())
    if user is None:
        raise ValueError(_("Keine Person mit der E-Mail-Adresse „%(text)s“ in dieser Kommune.", text=text))
    return user.id


def _convert(field: str, text: str, people: dict[str, User]) -> Any:
    converters: dict[str, Any] = {
        "contract_type": lambda: _choice(_TYPES, text, field, CONTRACT_TYPES),
        "status": lambda: _choice(_STATUSES, text, field, STATUSES) if text else "aktiv",
        "value_interval": lambda: _choice(_INTERVALS, text, field, VALUE_INTERVALS) if text else "einmalig",
        "starts_on": lambda: parse_date(text),
        "ends_on": lambda: parse_date(text) if text else None,
        "value_cents": lambda: parse_money(text) if text else None,
        "responsible_id": lambda: _person(text, people),
        "deputy_id": lambda: _person(text, people),
        "tags": lambda: [tag.strip() for tag in text.split(",") if tag.strip()],
    }
    return converters[field]() if field in converters else text


def to_input(row: int, values: dict[str, str], people: dict[str, User]) -> tuple[ContractInput | None, list[Problem]]:
    """One row's values (heading → text) as contract input, or the problems that prevent it."""
    converted: dict[str, Any] = {}
    problems = []
    for heading, field in FIELDS.items():
        text = values.get(heading, "").strip()
        if heading in REQUIRED and not text:
            problems.append(Problem(field, _("Bitte ausfüllen."), row=row))
            continue
        try:
            converted[field] = _convert(field, text, people)
        except ValueError as exc:
            problems.append(Problem(field, str(exc), row=row))
    if problems:
        # Report the clauses too, so that one round of corrections fixes the whole row.
        clauses = {field: text for field, text in converted.items() if isinstance(text, str)}
        return None, problems + [replace(p, row=row) for p in clause_problems(clauses)]
    return ContractInput(**converted), []


def rows_of(table: list[list[str]]) -> list[dict[str, Any]]:
    """The data rows with their line number in the file, each as heading → text; refuses a file
    whose first line lacks a required column."""
    columns = _columns(table[0])
    return [
        {"row": line,
         "values": {heading: cells[index] if index < len(cells) else "" for index, heading in columns.items()}}
        for line, cells in enumerate(table[1:], start=2)
    ]


def problems_of(rows: list[dict[str, Any]], people: dict[str, User]) -> list[Problem]:
    """Every problem of the rows, by row, in the page's language (numbers taken earlier in the file count)."""
    problems: list[Problem] = []
    numbers: set[str] = set()
    for row in rows:
        data, row_problems = to_input(row["row"], row["values"], people)
        if data is not None:
            row_problems = [replace(p, row=row["row"]) for p in check(data, taken_numbers=numbers)]
            if data.number:
                numbers.add(data.number)
        problems += row_problems
    return problems


def inputs_of(
    rows: list[dict[str, Any]], people: dict[str, User]
) -> tuple[list[tuple[int, ContractInput]], list[Problem]]:
    """The readable rows of a preview as contract input, and the problems of the unreadable ones."""
    inputs: list[tuple[int, ContractInput]] = []
    problems: list[Problem] = []
    for row in rows:
        data, row_problems = to_input(row["row"], row["values"], people)
        problems += row_problems
        if data is not None and not row_problems:
            inputs.append((row["row"], data))
    return inputs, problems
