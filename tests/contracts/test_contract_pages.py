"""The contract database in the workbench: create, edit with history, checks, search, filters, export,
documents and roles."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest
from amtsweg.clock import today_in_germany
from amtsweg.contracts.models import Contract, ContractChange
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from contract_support import PDF, create_contract, logged_in, post_form, upload_document, usingen_editor
from openpyxl import load_workbook
from support.logins import csrf_token_of, login_as

BASE = "/sachbearbeitung/vertraege"


def _contract(app, slug: str, contract_id: int) -> Contract:
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        contract = db.session.get(Contract, contract_id)
        db.session.expunge(contract)
        return contract


def _page_text(response) -> str:
    return response.get_data(as_text=True)


def test_creating_a_contract_numbers_it_gap_free_per_town_and_year_and_caches_its_deadline(app, client_for):
    editor = usingen_editor(client_for)
    first = create_contract(editor)
    second = create_contract(editor, title="Reinigung Rathaus")
    year = today_in_germany().year
    assert _contract(app, "usingen", first).number == f"V-{year}-0001"
    contract = _contract(app, "usingen", second)
    assert contract.number == f"V-{year}-0002"
    # 3 Monate zum Jahresende, renewing every 12 months from 1 Jan 2024: notice by 30 Sept for 31 Dec.
    assert contract.next_end_on == date(year, 12, 31) or contract.next_end_on == date(year + 1, 12, 31)
    assert contract.next_notice_by is not None
    assert contract.next_notice_by.month == 9 and contract.next_notice_by.day == 30
    assert contract.value_cents == 120000 and contract.tags == ["Heizung", "Bürgerhaus"]


def test_an_entered_number_is_kept_and_a_duplicate_is_refused_with_nothing_saved(app, client_for):
    editor = usingen_editor(client_for)
    create_contract(editor, number="V-2020-0042")
    response = post_form(editor, f"{BASE}/neu", number="V-2020-0042", title="Doppelt")
    assert response.status_code == 400
    assert "Die Vertragsnummer V-2020-0042 ist bereits vergeben." in _page_text(response)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalar(db.select(db.func.count(Contract.id))) == 1


@pytest.mark.parametrize(
    ("values", "field_label", "message"),
    [
        (
            {"ends_on": "2023-06-30", "renewal_period": "", "minimum_term": ""},
            "Ende",
            "Das Vertragsende 30.06.2023 liegt vor dem Vertragsbeginn 01.01.2024.",
        ),
        (
            {
                "ends_on": "2024-02-29",
                "renewal_period": "",
                "minimum_term": "",
                "notice_period": "6 Monate zum Vertragsende",
            },
            "Kündigungsfrist",
            "Die Kündigungsfrist von 6 Monate ist länger als die Laufzeit",
        ),
        ({"notice_period": "irgendwann mal"}, "Kündigungsfrist", "Kündigungsfrist „irgendwann mal“ nicht verstanden"),
        ({"value": "zwölf Euro"}, "Wert in Euro", "Betrag „zwölf Euro“ nicht verstanden"),
    ],
)
def test_impossible_terms_are_refused_with_a_german_message_at_the_field(app, client_for, values, field_label, message):
    editor = usingen_editor(client_for)
    response = post_form(editor, f"{BASE}/neu", **values)
    page = _page_text(response)
    assert response.status_code == 400
    assert message in page
    assert f"{field_label}: " in page  # the error summary names the field
    assert 'class="kern-error"' in page and "aria-describedby" in page
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0


def test_editing_keeps_every_change_with_who_when_old_and_new_on_the_contract_page(app, client_for):
    editor = usingen_editor(client_for)
    contract_id = create_contract(editor)
    response = post_form(
        editor,
        f"{BASE}/{contract_id}/bearbeiten",
        title="Wartung Heizung Bürgerhaus (neu)",
        status="gekuendigt",
        value="1.500,00",
    )
    assert response.status_code == 302
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        changes = {
            change.field: (change.old_value, change.new_value, change.actor)
            for change in db.session.scalars(
                db.select(ContractChange).where(
                    ContractChange.contract_id == contract_id, ContractChange.old_value != ""
                )
            )
        }
    assert changes == {
        "title": ("Wartung Heizungsanlage Bürgerhaus", "Wartung Heizung Bürgerhaus (neu)", "vertrag-u"),
        "status": ("aktiv", "gekündigt", "vertrag-u"),
        "value_cents": ("1.200,00 €", "1.500,00 €", "vertrag-u"),
    }
    page = _page_text(editor.get(f"{BASE}/{contract_id}"))
    assert "Änderungsverlauf" in page and "1.200,00 €" in page and "1.500,00 €" in page
    # A terminated contract has no deadline to watch any more.
    assert _contract(app, "usingen", contract_id).next_notice_by is None


def test_search_ignores_case_and_umlaut_spelling_across_title_partner_tags_and_notes(client_for):
    editor = usingen_editor(client_for)
    create_contract(
        editor,
        title="Straßenbeleuchtung",
        partner_name="Süwag Energie AG",
        tags="Licht",
        contract_type="energie",
        notes="Rahmenvertrag",
    )
    create_contract(
        editor,
        title="Kopierer Rathaus",
        partner_name="Büro Schulze",
        tags="Leasing",
        contract_type="miete_pacht",
        notes="",
    )

    def found(query: str) -> list[str]:
        page = _page_text(editor.get(f"{BASE}/", query_string={"q": query}))
        return re.findall(r">(Straßenbeleuchtung|Kopierer Rathaus)<", page)

    assert found("SUEWAG") == ["Straßenbeleuchtung"]
    assert found("strassenbeleuchtung") == ["Straßenbeleuchtung"]
    assert found("büro") == ["Kopierer Rathaus"]
    assert found("leasing") == ["Kopierer Rathaus"]
    assert found("rahmenvertrag") == ["Straßenbeleuchtung"]
    assert found("V-") == ["Straßenbeleuchtung", "Kopierer Rathaus"]
    assert found("gibt es nicht") == []


def test_filters_sorting_and_value_range_narrow_the_list(client_for):
    editor = usingen_editor(client_for)
    create_contract(editor, title="Alpha", contract_type="energie", department="Kämmerei", value="50.000,00")
    create_contract(editor, title="Beta", contract_type="wartung", department="Bauamt", value="100,00")
    create_contract(editor, title="Gamma", contract_type="wartung", department="Bauamt", value="", status="entwurf")

    def titles(**args: str) -> list[str]:
        return re.findall(r"<td>(Alpha|Beta|Gamma)</td>", _page_text(editor.get(f"{BASE}/", query_string=args)))

    assert titles(art="wartung") == ["Beta", "Gamma"]
    assert titles(fachbereich="Kämmerei") == ["Alpha"]
    assert titles(status="entwurf") == ["Gamma"]
    assert titles(wert_von="1.000") == ["Alpha"]
    assert titles(wert_bis="1.000,00") == ["Beta"]
    assert titles(sortierung="titel", absteigend="1") == ["Gamma", "Beta", "Alpha"]
    assert titles(sortierung="wert") == ["Beta", "Alpha", "Gamma"]


def test_the_list_is_paginated(client_for):
    editor = usingen_editor(client_for)
    for index in range(26):
        create_contract(editor, title=f"Vertrag {index:02d}")
    first = _page_text(editor.get(f"{BASE}/"))
    second = _page_text(editor.get(f"{BASE}/", query_string={"seite": "2"}))
    assert "26 Verträge" in first and "Seite 1 von 2" in first
    assert first.count("<td>Vertrag ") == 25 and second.count("<td>Vertrag ") == 1


def test_csv_and_xlsx_export_contain_the_filtered_list(client_for):
    editor = usingen_editor(client_for)
    create_contract(editor, title="Müllabfuhr", contract_type="dienstleistung", partner_name="=HYPERLINK(1)")
    create_contract(editor, title="Strom", contract_type="energie")

    response = editor.get(f"{BASE}/export.csv", query_string={"art": "dienstleistung"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Nummer", "Titel", "Art", "Partner"]
    assert [row[1] for row in rows[1:]] == ["Müllabfuhr"]
    assert rows[1][2] == "Dienstleistung" and rows[1][3] == "'=HYPERLINK(1)"
    assert rows[1][rows[0].index("Beginn")] == "01.01.2024"
    assert rows[1][rows[0].index("Wert")] == "1.200,00"

    response = editor.get(f"{BASE}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[1] for row in values[1:]] == ["Müllabfuhr", "Strom"]
    assert values[1][values[0].index("Beginn")].date() == date(2024, 1, 1)


def test_documents_are_versioned_and_downloaded_only_through_the_contract(app, client_for):
    editor = usingen_editor(client_for)
    contract_id = create_contract(editor)
    for content in (PDF, PDF + b"% second\n"):
        response = upload_document(editor, contract_id, content)
        assert response.status_code == 302, _page_text(response)[:2000]
    page = _page_text(editor.get(f"{BASE}/{contract_id}"))
    links = re.findall(rf'href="({BASE}/{contract_id}/dokumente/\d+)"', page)
    assert len(links) == 2 and "Vertragstext" in page
    newest = editor.get(links[0])
    assert newest.status_code == 200 and newest.data == PDF + b"% second\n"
    assert "attachment" in newest.headers["Content-Disposition"]


def test_a_file_whose_content_is_not_an_allowed_type_is_refused(client_for):
    editor = usingen_editor(client_for)
    contract_id = create_contract(editor)
    response = upload_document(editor, contract_id, b"MZ\x90\x00 not a pdf at all", title="")
    assert response.status_code == 400
    assert "passt nicht zu den erlaubten Dateitypen" in _page_text(response)
    assert "Noch keine Dokumente." in _page_text(response)


def test_dashboard_shows_only_active_contracts_with_a_deadline_in_the_next_90_days(app, client_for):
    editor = usingen_editor(client_for)
    today = today_in_germany()
    soon = create_contract(
        editor,
        title="Bald fällig",
        starts_on=today.replace(year=today.year - 1).isoformat(),
        ends_on=(today.toordinal() + 40 and date.fromordinal(today.toordinal() + 40)).isoformat(),
        minimum_term="",
        renewal_period="",
        notice_period="",
    )
    create_contract(
        editor,
        title="Lange hin",
        starts_on=today.isoformat(),
        ends_on=date.fromordinal(today.toordinal() + 400).isoformat(),
        minimum_term="",
        renewal_period="",
        notice_period="",
    )
    page = _page_text(editor.get(f"{BASE}/fristen"))
    assert "Bald fällig" in page and "Lange hin" not in page
    assert f"{BASE}/{soon}" in page


@pytest.mark.parametrize("roles", [("contracts_viewer",), ("clerk",), ("tenant_admin",)])
def test_only_editors_may_create_or_change_contracts(client_for, roles):
    contract_id = create_contract(usingen_editor(client_for))
    client = logged_in(client_for, "usingen", *roles, username="jemand")
    # A valid CSRF token of this session (from the login page), so that only the role decides.
    token = csrf_token_of(_page_text(client.get("/anmelden/entwicklung")))
    for path in (f"{BASE}/neu", f"{BASE}/{contract_id}/bearbeiten", f"{BASE}/import"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"csrf_token": token, "title": "X"}).status_code == 403
    response = client.post(f"{BASE}/{contract_id}/dokumente", data={"csrf_token": token})
    assert response.status_code == 403


def test_viewers_read_and_other_roles_are_refused(client_for):
    editor = usingen_editor(client_for)
    contract_id = create_contract(editor)
    viewer = client_for("usingen")
    login_as(viewer, "contracts_viewer", username="leser")
    assert viewer.get(f"{BASE}/{contract_id}").status_code == 200
    assert "Bearbeiten" not in _page_text(viewer.get(f"{BASE}/{contract_id}"))
    assert viewer.get(f"{BASE}/{contract_id}/bearbeiten").status_code == 403
    clerk = client_for("usingen")
    login_as(clerk, "clerk", username="sachbearbeitung")
    assert clerk.get(f"{BASE}/").status_code == 403
    # The navigation offers the contract database only to those who may read it.
    assert f'href="{BASE}/">Verträge</a>' in _page_text(viewer.get("/"))
    assert f'href="{BASE}/">Verträge</a>' not in _page_text(clerk.get("/"))
    anonymous = client_for("usingen")
    assert anonymous.get(f"{BASE}/").status_code == 302


@pytest.mark.parametrize(
    "query", ["verantwortlich=%C2%B2", "seite=%C2%B2", "frist=3000000", "wert_von=1e400", "wert_bis=Infinity"]
)
def test_odd_filter_values_are_ignored_not_a_500(client_for, query):
    editor = usingen_editor(client_for)
    assert editor.get(f"/sachbearbeitung/vertraege/?{query}").status_code == 200
    assert editor.get(f"/sachbearbeitung/vertraege/export.csv?{query}").status_code == 200


@pytest.mark.parametrize("text", ["1e400", "Infinity", "NaN", "123456789012345678901234567890"])
def test_amounts_that_are_no_finite_euro_value_get_a_german_message(text):
    from amtsweg.contracts.importing import parse_money

    with pytest.raises(ValueError, match="Betrag"):
        parse_money(text)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"notice_period": "irgendwann mal"}, 'Notice period "irgendwann mal" not understood – example:'),
        ({"ends_on": "2023-06-30", "renewal_period": "", "minimum_term": ""},
         "The contract end 30.06.2023 is before the contract start 01.01.2024."),
        ({"value": "zwölf Euro"}, 'Amount "zwölf Euro" not understood – example: 1.234,56'),
    ],
)
def test_an_english_editor_gets_the_refusal_in_english(app, client_for, values, message):
    editor = usingen_editor(client_for)
    editor.get("/sprache/en")
    response = post_form(editor, f"{BASE}/neu", **values)
    assert response.status_code == 400
    assert message in html.unescape(_page_text(response))
