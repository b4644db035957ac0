"""Importing an existing contract spreadsheet: preview with per-row German errors, nothing stored
until the user confirms, and nothing at all when a row is wrong."""

from __future__ import annotations

import html
import io
from datetime import date, datetime

from amtsweg.clock import today_in_germany
from amtsweg.contracts.models import Contract
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from contract_support import create_contract, logged_in, usingen_editor
from openpyxl import Workbook
from support.logins import csrf_token_of

BASE = "/sachbearbeitung/vertraege"
HEADINGS = [
    "Nummer",
    "Titel",
    "Art",
    "Partner",
    "Verantwortlich",
    "Beginn",
    "Ende",
    "Mindestlaufzeit",
    "Kündigungsfrist",
    "Verlängerung",
    "Wert",
    "Wertart",
    "Status",
    "Schlagwörter",
]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, content: bytes, filename: str):
    page = client.get(f"{BASE}/import")
    return client.post(
        f"{BASE}/import",
        data={"csrf_token": csrf_token_of(page.text), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _contracts(app) -> dict[str, Contract]:
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        contracts = db.session.scalars(db.select(Contract)).unique().all()
        for contract in contracts:
            db.session.expunge(contract)
    return {contract.title: contract for contract in contracts}


GOOD_ROW = [
    "",
    "Kopierer Rathaus",
    "Miete/Pacht",
    "Büro Schulze",
    "vertrag-u@entwicklung.invalid",
    datetime(2024, 1, 1),
    None,
    "12 Monate",
    "3 Monate zum Jahresende",
    "12 Monate",
    1234.5,
    "monatlich",
    "aktiv",
    "Leasing, Rathaus",
]


def test_an_xlsx_with_good_and_bad_rows_shows_every_problem_by_row_and_field_and_stores_nothing(app, client_for):
    editor = usingen_editor(client_for)
    rows = [
        GOOD_ROW,
        ["", "Ohne Partner", "Wartung", "", "", datetime(2024, 1, 1), None, "", "", "", None, "", "", ""],
        ["", "Falsches Datum", "Wartung", "Firma", "", "2024-13-01", None, "", "", "", None, "", "", ""],
        ["", "Falsche Art", "Kaffeefahrt", "Firma", "", "01.02.2024", None, "", "irgendwann", "", None, "", "", ""],
        ["", "Ende vor Beginn", "Wartung", "Firma", "", "01.02.2024", "31.01.2024", "", "", "", None, "", "", ""],
        [
            "",
            "Unbekannte Person",
            "Wartung",
            "Firma",
            "niemand@example.org",
            "01.02.2024",
            None,
            "",
            "",
            "",
            None,
            "",
            "",
            "",
        ],
    ]
    response = _upload(editor, _xlsx(rows), "bestand.xlsx")
    assert response.status_code == 302
    preview = editor.get(response.headers["Location"])
    page = preview.text
    assert "Zeile 3, Vertragspartner: Bitte ausfüllen." in page
    assert "Zeile 4, Beginn: Datum „2024-13-01“ nicht verstanden – bitte im Format TT.MM.JJJJ" in page
    assert "Zeile 5, Vertragsart: „Kaffeefahrt“ ist keiner der Werte" in page
    assert "Zeile 5, Kündigungsfrist: Kündigungsfrist „irgendwann“ nicht verstanden" in page
    assert "Zeile 6, Ende: Das Vertragsende 31.01.2024 liegt vor dem Vertragsbeginn 01.02.2024." in page
    assert "Zeile 7, Verantwortlich: Keine Person mit der E-Mail-Adresse „niemand@example.org“" in page
    assert "Zeile 2," not in page
    assert "Verträge übernehmen" not in page  # no confirm button
    # Confirming anyway changes nothing.
    confirm = editor.post(response.headers["Location"], data={"csrf_token": csrf_token_of(page)})
    assert confirm.status_code == 200 and "Zeile 3, Vertragspartner" in confirm.text
    assert _contracts(app) == {}


def test_the_problems_of_a_file_read_in_the_language_of_the_page_that_shows_them(app, client_for):
    editor = usingen_editor(client_for)
    rows = [GOOD_ROW, ["", "Falsches Datum", "Wartung", "", "", "2024-13-01", None, "", "", "", None, "", "", ""]]
    location = _upload(editor, _xlsx(rows), "bestand.xlsx").headers["Location"]
    editor.get("/sprache/en")
    english = html.unescape(editor.get(location).text)
    assert "Row 3, Contracting party: Please fill in this field." in english
    assert 'Row 3, Start: Date "2024-13-01" not understood' in english
    assert "Bitte ausfüllen" not in english and "nicht verstanden" not in english
    editor.get("/sprache/de")
    german = editor.get(location).text
    assert "Zeile 3, Vertragspartner: Bitte ausfüllen." in german
    assert "Zeile 3, Beginn: Datum „2024-13-01“ nicht verstanden" in german


def test_a_clean_xlsx_is_imported_only_after_confirmation(app, client_for):
    editor = usingen_editor(client_for)
    second = [
        "V-2019-0007",
        "Strom Rathaus",
        "Energie",
        "Süwag",
        "",
        date(2023, 1, 1),
        date(2023, 12, 31),
        "",
        "",
        "",
        "12.000,00",
        "jährlich",
        "beendet",
        "",
    ]
    response = _upload(editor, _xlsx([GOOD_ROW, second]), "bestand.xlsx")
    preview_url = response.headers["Location"]
    page = editor.get(preview_url).text
    assert "2 Verträge sind fehlerfrei" in page and "Kopierer Rathaus" in page
    assert _contracts(app) == {}

    confirm = editor.post(preview_url, data={"csrf_token": csrf_token_of(page)})
    assert confirm.status_code == 302
    contracts = _contracts(app)
    copier, power = contracts["Kopierer Rathaus"], contracts["Strom Rathaus"]
    assert copier.number == f"V-{today_in_germany().year}-0001"
    assert copier.contract_type == "miete_pacht" and copier.value_cents == 123450
    assert copier.value_interval == "monatlich" and copier.tags == ["Leasing", "Rathaus"]
    assert copier.responsible is not None and copier.responsible.email == "vertrag-u@entwicklung.invalid"
    assert copier.next_notice_by is not None and (copier.next_notice_by.month, copier.next_notice_by.day) == (9, 30)
    assert power.number == "V-2019-0007" and power.status == "beendet" and power.ends_on == date(2023, 12, 31)
    assert power.value_cents == 1200000

    # The same preview cannot be imported twice.
    again = editor.post(preview_url, data={"csrf_token": csrf_token_of(page)})
    assert "bereits übernommen" in again.text
    assert len(_contracts(app)) == 2


def test_a_csv_with_german_dates_and_a_wrong_date_format_names_the_row(app, client_for):
    editor = usingen_editor(client_for)
    csv_text = (
        "Titel;Art;Partner;Beginn;Ende;Kündigungsfrist;Wert\n"
        "Gebäudereinigung;Dienstleistung;Putzteufel GmbH;01.04.2024;31.03.2026;3 Monate;2.400,00\n"
        "Aktenvernichtung;Dienstleistung;Reißwolf KG;2024-04-01;;;\n"
    )
    response = _upload(editor, csv_text.encode("cp1252"), "vertraege.csv")
    page = editor.get(response.headers["Location"]).text
    assert "Zeile 3, Beginn: Datum „2024-04-01“ nicht verstanden" in page
    assert "Reißwolf KG" in page  # Windows-1252 read correctly

    fixed = csv_text.replace("2024-04-01", "01.04.2024")
    response = _upload(editor, fixed.encode("utf-8-sig"), "vertraege.csv")
    preview_url = response.headers["Location"]
    page = editor.get(preview_url).text
    assert editor.post(preview_url, data={"csrf_token": csrf_token_of(page)}).status_code == 302
    contracts = _contracts(app)
    assert set(contracts) == {"Gebäudereinigung", "Aktenvernichtung"}
    assert contracts["Gebäudereinigung"].ends_on == date(2026, 3, 31)
    assert contracts["Gebäudereinigung"].value_cents == 240000


def test_a_malformed_file_or_missing_columns_are_refused_at_upload(app, client_for):
    editor = usingen_editor(client_for)
    response = _upload(editor, b"PK\x03\x04 kaputt", "bestand.xlsx")
    assert response.status_code == 400
    assert "Die Datei ist keine lesbare Excel-Datei (XLSX)." in response.text
    response = _upload(editor, b"Name;Firma\nA;B\n", "liste.csv")
    assert response.status_code == 400
    assert "In der ersten Zeile fehlen die Spalten „Titel“, „Art“, „Partner“, „Beginn“" in response.text
    assert _contracts(app) == {}


def test_a_number_that_exists_already_or_twice_in_the_file_is_an_error_of_its_row(app, client_for):
    editor = usingen_editor(client_for)
    create_contract(editor, number="V-2020-0001")
    csv_text = (
        "Nummer;Titel;Art;Partner;Beginn\n"
        "V-2020-0001;Doppelt;Sonstiges;A;01.01.2024\n"
        "V-2020-0002;Neu;Sonstiges;B;01.01.2024\n"
        "V-2020-0002;Nochmal;Sonstiges;C;01.01.2024\n"
    )
    page = editor.get(_upload(editor, csv_text.encode(), "v.csv").headers["Location"]).text
    assert "Zeile 2, Vertragsnummer: Die Vertragsnummer V-2020-0001 ist bereits vergeben." in page
    assert "Zeile 4, Vertragsnummer: Die Vertragsnummer V-2020-0002 ist bereits vergeben." in page
    assert "Zeile 3," not in page


def test_viewers_cannot_import(client_for):
    viewer = logged_in(client_for, "usingen", "contracts_viewer", username="leser")
    assert viewer.get(f"{BASE}/import").status_code == 403


def test_the_rows_without_errors_can_be_taken_over_alone_with_the_towns_own_numbering(app, client_for):
    editor = usingen_editor(client_for)
    own_numbering = ["2019/034", *GOOD_ROW[1:]]
    rows = [own_numbering, ["", "Ohne Partner", "Wartung", "", "", datetime(2024, 1, 1), None, "", "", "", None,
                            "", "", ""], ["", "Zweiter", *GOOD_ROW[2:]]]
    response = _upload(editor, _xlsx(rows), "bestand.xlsx")
    page = editor.get(response.headers["Location"]).text
    assert "2019/034" in page and "Die Vertragsnummer besteht" not in page
    # The bad cell is marked in the table, not only listed above it.
    bad_row = page[page.index('<th scope="row">3</th>'):].split("</tr>")[0]
    assert bad_row.count('class="import-cell--error"') == 1
    assert "Nur die fehlerfreien Zeilen übernehmen (2 von 3)" in page
    confirmed = editor.post(response.headers["Location"], data={"csrf_token": csrf_token_of(page),
                                                               "umfang": "fehlerfreie"})
    assert confirmed.status_code == 302, confirmed.text[confirmed.text.find('id="fehler"'):][:1500]
    contracts = _contracts(app)
    assert set(contracts) == {"Kopierer Rathaus", "Zweiter"}
    assert contracts["Kopierer Rathaus"].number == "2019/034"


def test_the_contract_form_shows_every_problem_in_one_round(app, client_for):
    from contract_support import post_form

    editor = usingen_editor(client_for)
    response = post_form(editor, f"{BASE}/neu", title="", number="V 2026 #1", notice_period="irgendwann")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Titel", "Die Vertragsnummer besteht", "Kündigungsfrist"):
        assert message in page[page.index('id="fehler"'):page.index("</ul>", page.index('id="fehler"'))]
