"""The clerk workbench: a town's queue and case pages, workflow steps, letters and isolation."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.cases.services import reply
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import counted_lookups, recorded_statements, tenant_info, town_client
from lxml import html
from pypdf import PdfReader
from support.logins import csrf_token_of, login_as
from workbench.case_factory import make_case


def clerk(app, town="usingen", *roles):
    client = town_client(app, town)
    login_as(client, *(roles or ("clerk",)), username=f"sb-{town}")
    return client


def _step(client, reference, transition, text=""):
    page = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    return client.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                       data={"csrf_token": csrf_token_of(page), "nachricht": text})


def _case(app, town, reference):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        db.session.expunge(case)
        return case


def test_queue_needs_a_clerk_login(app):
    response = town_client(app, "usingen").get("/sachbearbeitung/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden?weiter=/sachbearbeitung/")


def test_queue_shows_only_the_towns_own_cases_with_counts(app):
    usingen_ref = make_case(app, "usingen", applicant_name="Uta Usinger")
    make_case(app, "schmitten", applicant_name="Sven Schmittener")
    page = clerk(app).get("/sachbearbeitung/").get_data(as_text=True)
    assert usingen_ref in page and "Uta Usinger" in page
    assert "Sven Schmittener" not in page
    assert "Eingegangen: 1" in page


def test_queue_search_and_keyset_pagination(app):
    for number in range(1, 56):
        make_case(app, "usingen", number)
    client = clerk(app)
    first = client.get("/sachbearbeitung/").get_data(as_text=True)
    assert "US-2026-000055" in first and "US-2026-000005" not in first
    assert "Weitere Vorgänge" in first
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        sixth_id = db.session.scalars(db.select(Case.id).filter_by(reference="US-2026-000006")).one()
    second = client.get(f"/sachbearbeitung/?vor={sixth_id}").get_data(as_text=True)
    assert "US-2026-000005" in second and "US-2026-000006" not in second
    found = client.get("/sachbearbeitung/?suche=000042").get_data(as_text=True)
    assert "US-2026-000042" in found and "US-2026-000041" not in found


def test_queue_runs_a_handful_of_queries_however_many_cases(app):
    for number in range(1, 80):
        make_case(app, "usingen", number)
    client = clerk(app)
    with recorded_statements(app) as statements:
        assert client.get("/sachbearbeitung/").status_code == 200
    assert len(statements) <= 6, statements


def test_the_queue_translates_its_row_texts_and_builds_its_links_once_per_page_not_once_per_row(app):
    # Rows that show every text a row can have: unassigned, a payment outstanding, overdue.
    row = {"status": "in_progress", "due_date": date(2026, 3, 10), "fee_cents": 1500,
           "payment_requested_at": datetime(2026, 3, 3, tzinfo=UTC)}
    make_case(app, "usingen", 1, **row)
    lead = clerk(app, "usingen", "clerk", "team_lead")
    lead.get("/sachbearbeitung/")
    with counted_lookups(app) as for_one_row:
        lead.get("/sachbearbeitung/")
    for number in range(2, 41):
        make_case(app, "usingen", number, **row)

    with counted_lookups(app) as for_forty_rows:
        page = lead.get("/sachbearbeitung/").get_data(as_text=True)

    assert for_forty_rows == for_one_row
    cells = [[" ".join(cell.text_content().split()) for cell in row.xpath("td")]
             for row in html.fromstring(page).xpath("//table[contains(@class, 'queue-table')]/tbody/tr")]
    assert len(cells) == 40
    assert cells[0][:5] == ["US-2026-000040 auswählen", "US-2026-000040", "Hund zur Hundesteuer anmelden",
                            "Erika Muster 40", "In Bearbeitung Zahlung ausstehend: 15,00 €"]
    assert cells[0][5] == "niemand" and cells[0][7] == "10.03.2026 überfällig"
    # Every row reads alike but for its own reference and name.
    assert all(row[0] == f"{row[1]} auswählen" for row in cells)
    assert {(row[2], *row[4:]) for row in cells} == {(cells[0][2], *cells[0][4:])}
    assert page.count('href="/sachbearbeitung/vorgang/US-2026-0000') == 40
    lead.get("/sprache/en")
    english = html.fromstring(lead.get("/sachbearbeitung/").get_data(as_text=True))
    last = [" ".join(cell.text_content().split())
            for cell in english.xpath("//table[contains(@class, 'queue-table')]/tbody/tr[last()]/td")]
    assert last[0] == "Select US-2026-000001" and last[4] == "In progress Payment outstanding: €15.00"
    assert last[5] == "nobody" and last[7] == "10 Mar 2026 overdue"


def test_the_case_page_shows_the_citizens_answers_also_inside_groups(app):
    answers = {
        "vorname": "Erika", "nachname": "Mustermann", "email": "erika@example.org",
        "anschrift": {"street": "Hauptstraße", "house_number": "1", "postal_code": "61250", "city": "Usingen"},
        "hunde": [{"name": "Bello", "rasse": "Dackel"}, {"name": "Luna", "rasse": "Pudel"}],
    }
    reference = make_case(app, "usingen", answers=answers)
    page = clerk(app).get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    for shown in ("Erika", "Mustermann", "Hauptstraße 1, 61250 Usingen", "Hund 1", "Bello", "Dackel",
                  "Hund 2", "Luna", "Pudel"):
        assert shown in page


def test_every_workbench_url_of_another_towns_case_is_404(app):
    reference = make_case(app, "schmitten")
    client = clerk(app, "usingen")
    token = csrf_token_of(client.get("/sachbearbeitung/").get_data(as_text=True))
    assert client.get(f"/sachbearbeitung/vorgang/{reference}").status_code == 404
    assert client.post(f"/sachbearbeitung/vorgang/{reference}/schritt/start",
                       data={"csrf_token": token}).status_code == 404
    assert client.get(f"/sachbearbeitung/vorgang/{reference}/dokument/1").status_code == 404
    assert client.get(f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf").status_code == 404
    assert _case(app, "schmitten", reference).status == "submitted"


def test_illegal_transition_is_refused_and_changes_nothing(app):
    reference = make_case(app, "usingen")
    client = clerk(app)
    response = _step(client, reference, "approve")
    assert response.status_code == 303
    assert "nicht möglich" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _case(app, "usingen", reference).status == "submitted"


def test_a_role_without_workflow_rights_cannot_act(app):
    reference = make_case(app, "usingen")
    client = clerk(app, "usingen", "contracts_viewer")
    assert client.get(f"/sachbearbeitung/vorgang/{reference}").status_code == 403


def test_full_lifecycle_with_information_request_decision_letter_and_audit_trail(app):
    reference = make_case(app, "usingen", submitted_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    client = clerk(app)
    assert _step(client, reference, "start").status_code == 303
    # Processing clock: 10 working days from Monday 2 March 2026.
    assert _case(app, "usingen", reference).due_date == date(2026, 3, 16)
    assert _step(client, reference, "request_information").status_code == 303
    assert _case(app, "usingen", reference).status == "in_progress"  # a request needs a text
    assert _step(client, reference, "request_information", "Bitte reichen Sie den Impfpass nach.").status_code == 303
    assert _case(app, "usingen", reference).status == "waiting_for_citizen"
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        reply(case, "Impfpass ist hochgeladen.")
    assert _step(client, reference, "resume").status_code == 303
    assert _step(client, reference, "approve", "Die Hundesteuermarke liegt bei.").status_code == 303
    page = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    assert "bescheid-genehmigung-" in page
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        letter = db.session.scalars(db.select(Document).filter_by(case_id=_case(app, "usingen", reference).id)).one()
    download = client.get(f"/sachbearbeitung/vorgang/{reference}/dokument/{letter.id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(download.data)).pages)
    assert reference in text and "wird stattgegeben" in text and "Hundesteuermarke liegt bei" in text
    assert _step(client, reference, "close").status_code == 303
    closed = _case(app, "usingen", reference)
    assert closed.status == "closed" and closed.closed_at is not None
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case_id = _case(app, "usingen", reference).id
        events = db.session.scalars(
            db.select(AuditEvent).filter_by(object_type="case", object_id=str(case_id)).order_by(AuditEvent.id)
        ).all()
        messages = db.session.scalars(db.select(CaseMessage).filter_by(case_id=case_id)).all()
    transitions = [e.details["transition"] for e in events if e.action == "case.transition"]
    assert transitions == ["start", "request_information", "resume", "approve", "close"]
    assert {e.action for e in events} >= {"case.viewed", "case.citizen_replied", "document.downloaded"}
    assert all(e.actor == "sb-usingen" for e in events if e.action == "case.transition")
    assert [m.kind for m in messages] == ["information_request", "reply", "message"]


def test_odd_query_values_in_the_queue_and_the_log_are_ignored_not_a_500(app):
    lead = clerk(app, "usingen", "team_lead")
    for query in ("vor=%C2%B2", "zustaendig=%C2%B2", "bis=9999-12-31", "von=0001-01-01", "bis=kein-datum"):
        assert lead.get(f"/sachbearbeitung/?{query}").status_code == 200, query
        assert lead.get(f"/sachbearbeitung/protokoll?{query}").status_code == 200, query
