"""Hostile and broken spreadsheets for the contract import: the file is read as a stream that stops
at the row limit, packed files are checked like document uploads, and a broken file gets the
import's message — never a 500 and never a worker busy with millions of rows."""

from __future__ import annotations

import io
import zipfile

import pytest
from amtsweg.contracts.importing import MAX_ROWS
from contracts.contract_support import usingen_editor
from openpyxl import Workbook
from support.logins import csrf_token_of

BASE = "/sachbearbeitung/vertraege"
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/>'
    "<sheetData>"
)
HEADING_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Titel</t></is></c><c r="B1" t="inlineStr"><is><t>Art</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Partner</t></is></c><c r="D1" t="inlineStr"><is><t>Beginn</t></is></c></row>'
)


def _row(number: int) -> str:
    return (f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>Vertrag {number}</t></is></c>'
            f'<c r="B{number}" t="inlineStr"><is><t>Wartung</t></is></c>'
            f'<c r="C{number}" t="inlineStr"><is><t>Firma {number * 7919}</t></is></c>'
            f'<c r="D{number}" t="inlineStr"><is><t>01.01.2024</t></is></c></row>')


def _workbook(replace: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """A real XLSX written by openpyxl with some of its parts replaced (None: left out) or added."""
    workbook = Workbook()
    workbook.active.append(["Titel", "Art", "Partner", "Beginn"])
    original = io.BytesIO()
    workbook.save(original)
    result = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = replace[name] if name in replace else source.read(name)
            if content is not None:
                target.writestr(name, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return result.getvalue()


def _with_shared_strings(sheet: str, strings: list[str]) -> bytes:
    """An XLSX whose sheet refers to a shared-string table (as Excel writes them)."""
    table = "".join(f"<si><t>{text}</t></si>" for text in strings)
    with zipfile.ZipFile(io.BytesIO(_workbook({}))) as plain:
        rels = plain.read("xl/_rels/workbook.xml.rels").decode()
        types = plain.read("[Content_Types].xml").decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://'
                        'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                          'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return _workbook(
        {SHEET: (SHEET_START + sheet + "</sheetData></worksheet>").encode(), "xl/_rels/workbook.xml.rels":
         rels.encode(), "[Content_Types].xml": types.encode()},
        {"xl/sharedStrings.xml": ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                  f"{table}</sst>").encode()},
    )


def _shared(cell: str, index: int) -> str:
    return f'<c r="{cell}" t="s"><v>{index}</v></c>'


def _upload(client, content: bytes, filename: str = "bestand.xlsx"):
    page = client.get(f"{BASE}/import")
    return client.post(
        f"{BASE}/import",
        data={"csrf_token": csrf_token_of(page.text), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _refused(response, message: str) -> None:
    assert response.status_code == 400, response.text[:2000]
    assert message in response.text


UNREADABLE = "Die Datei ist keine lesbare Excel-Datei (XLSX)."


@pytest.mark.parametrize(
    "replace",
    [
        {SHEET: (SHEET_START + HEADING_ROW + _row(2)).encode()[:-40]},
        {SHEET: None},
        {"xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                            b"<sheets/></workbook>", SHEET: None},
        {SHEET: (SHEET_START + '<row r="1"><c r="A1" t="s"><v>999</v></c></row></sheetData></worksheet>').encode()},
        {SHEET: b"\x00\xff kein XML"},
    ],
    ids=["truncated-xml", "sheet-part-missing", "no-worksheet", "bad-shared-string-index", "binary-sheet"],
)
def test_a_malformed_xlsx_gets_the_imports_message(client_for, replace):
    _refused(_upload(usingen_editor(client_for), _workbook(replace)), UNREADABLE)


def test_a_bad_shared_string_index_with_a_shared_string_table_gets_the_imports_message(client_for):
    content = _with_shared_strings(f'<row r="1">{_shared("A1", 0)}{_shared("B1", 5)}</row>', ["Titel"])
    _refused(_upload(usingen_editor(client_for), content), UNREADABLE)


def test_reading_stops_at_the_row_limit_and_never_reaches_the_rest_of_the_sheet(client_for):
    # Beyond the limit the sheet is broken: only a reader that stops there can answer with the limit.
    rows = "".join(_row(number) for number in range(2, MAX_ROWS + 500))
    sheet = (SHEET_START + HEADING_ROW + rows + '<row r="999999"><c r="A999999" t="s"><v>77').encode()
    _refused(_upload(usingen_editor(client_for), _workbook({SHEET: sheet})),
             f"Die Datei hat mehr als {MAX_ROWS} Zeilen; bitte teilen Sie sie auf.")


def test_a_sheet_of_millions_of_empty_rows_is_refused_quickly(client_for):
    empty_rows = "".join(f'<row r="{number}"/>' for number in range(2, 200_000))
    sheet = (SHEET_START + HEADING_ROW + empty_rows + "</sheetData></worksheet>").encode()
    _refused(_upload(usingen_editor(client_for), _workbook({SHEET: sheet})),
             f"Die Datei hat mehr als {MAX_ROWS} Zeilen; bitte teilen Sie sie auf.")


def test_an_unusually_packed_xlsx_is_refused_like_a_document_upload(client_for):
    bomb = _workbook({}, {"xl/media/leer.bin": b"\0" * (30 * 1024 * 1024)})
    _refused(_upload(usingen_editor(client_for), bomb), "ungewöhnlich stark gepackt")


def test_a_zip_that_is_no_spreadsheet_gets_the_imports_message(client_for):
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("notiz.txt", "Hallo")
    _refused(_upload(usingen_editor(client_for), other.getvalue()), UNREADABLE)


def test_control_characters_in_csv_cells_are_dropped(client_for):
    content = b"Ti\x1btel;Art;Partner;Beginn\nVertrag\x07 Nummer\x08 2;Wartung;Firma\x7f;01.01.2024\n"
    editor = usingen_editor(client_for)
    response = _upload(editor, content, "liste.csv")
    assert response.status_code == 302, response.text[:2000]
    assert "Vertrag Nummer 2" in editor.get(response.headers["Location"]).text
