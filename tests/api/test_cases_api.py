"""The case operations of /api/v1: lists with filters and cursors, one case, its timeline, workflow
steps under the workbench's rules, messages and documents; bad input is a 4xx problem and changes
nothing."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.documents.models import Document
from amtsweg.documents.services import store_upload
from amtsweg.extensions import db
from amtsweg.notifications.models import OutboxMessage
from amtsweg.processes.models import Process
from amtsweg.tenancy import tenant_context
from api.helpers import api
from conftest import recorded_statements, tenant_info
from sqlalchemy import func, select
from workbench.case_factory import make_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROBLEM = "application/problem+json"


def _cases(app, town, count, **fields):
    return [make_case(app, town, number, submitted_at=datetime(2026, 3, number, 9, tzinfo=UTC), **fields)
            for number in range(1, count + 1)]


def _state(app, town, reference):
    """What is stored about a case: status, messages, documents, audit events (to see nothing changed)."""
    with app.app_context(), tenant_context(tenant_info(app, town)):
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        count = lambda model, column: db.session.scalar(select(func.count()).where(column == case.id))  # noqa: E731
        return (case.status, count(CaseMessage, CaseMessage.case_id), count(Document, Document.case_id),
                db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))))


def _attach(app, town, reference, name="Nachweis.pdf"):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        document = store_upload(io.BytesIO(PDF), name, accept=["pdf"], max_bytes=1024, case_id=case.id)
        db.session.commit()
        return document.id


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("http")
    return body


# --------------------------------------------------------------------------- lists


def test_the_case_list_pages_with_a_cursor_through_every_case_once(app):
    references = _cases(app, "usingen", 5)
    client = api(app, "usingen")
    seen, cursor = [], None
    for _ in range(3):
        page = client.get("/cases", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(references)) and cursor is None
    oldest = client.get("/cases", query_string={"order": "oldest", "limit": 5}).get_json()
    assert [item["reference"] for item in oldest["items"]] == references


def test_the_case_list_reads_the_processes_of_its_cases_in_one_statement_however_many_there_are(app):
    with app.app_context():
        slugs = db.session.scalars(select(Process.slug).where(Process.current_version_id.is_not(None))
                                   .order_by(Process.slug).limit(4)).all()
    make_case(app, "usingen", 1, process=slugs[0])
    client = api(app, "usingen")
    client.get("/cases")
    with recorded_statements(app) as one_process:
        assert len(client.get("/cases").get_json()["items"]) == 1
    for number, slug in enumerate(slugs[1:], start=2):
        make_case(app, "usingen", number, process=slug)
    # A definition is read once per process (then kept); what is left per call must not grow.
    client.get("/cases")
    with recorded_statements(app) as four_processes:
        items = client.get("/cases").get_json()["items"]
    assert sorted(item["process"] for item in items) == sorted(slugs)
    assert len(four_processes) == len(one_process)


def test_the_case_list_filters_by_status_process_days_and_assignee(app):
    references = _cases(app, "usingen", 4)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.execute(Case.__table__.update().where(Case.reference == references[0]).values(status="in_progress"))
        db.session.commit()
    client = api(app, "usingen")
    listed = lambda **query: [c["reference"] for c in client.get("/cases", query_string=query).get_json()["items"]]  # noqa: E731
    assert listed(status="in_progress") == [references[0]]
    assert listed(process="hundesteuer-anmelden", order="oldest") == references
    assert listed(process="gibt-es-nicht") == []
    assert listed(submitted_since="2026-03-02", submitted_until="2026-03-03", order="oldest") == references[1:3]
    assert listed(assignee="none", order="oldest") == references
    assert listed(assignee="12345") == []


def test_a_cursor_works_only_for_its_own_query_and_town(app):
    _cases(app, "usingen", 3)
    _cases(app, "schmitten", 3)
    usingen = api(app, "usingen")
    cursor = usingen.get("/cases", query_string={"limit": 1}).get_json()["next_cursor"]
    assert usingen.get("/cases", query_string={"limit": 1, "cursor": cursor}).status_code == 200
    other_query = usingen.get("/cases", query_string={"limit": 1, "cursor": cursor, "status": "submitted"})
    assert _problem(other_query, 400)["type"].endswith("#problem-invalid-cursor")
    other_town = api(app, "schmitten").get("/cases", query_string={"limit": 1, "cursor": cursor})
    assert _problem(other_town, 400)["type"].endswith("#problem-invalid-cursor")
    tampered = usingen.get("/cases", query_string={"limit": 1, "cursor": cursor[:-2] + "xx"})
    assert _problem(tampered, 400)["type"].endswith("#problem-invalid-cursor")


def test_bad_list_queries_are_problems_that_name_the_parameter(app):
    client = api(app, "usingen")
    for query, field in (({"limit": 1000}, "query.limit"), ({"limit": 0}, "query.limit"),
                         ({"limit": "viele"}, "query.limit"), ({"sort": "x"}, "query.sort"),
                         ({"submitted_since": "gestern"}, "query.submitted_since"),
                         ({"assignee": "jemand"}, "query.assignee"), ({"order": "random"}, "query.order")):
        body = _problem(client.get("/cases", query_string=query), 400)
        assert [error["field"] for error in body["errors"]] == [field], query


def test_a_day_given_as_a_number_is_a_format_problem_not_a_unix_time(app):
    body = _problem(api(app, "usingen").get("/cases", query_string={"submitted_since": "1700000000"}), 400)
    assert body["errors"] == [{"field": "query.submitted_since", "message": "Der Wert hat nicht das erwartete Format.",
                               "code": "pattern_mismatch"}]


def test_problems_are_german_by_default_and_english_on_request(app):
    client = api(app, "usingen")
    german = _problem(client.get("/cases", query_string={"limit": 0}), 400)
    english = _problem(client.get("/cases", query_string={"limit": 0}, headers={"Accept-Language": "en-GB,en"}), 400)
    assert german["title"] == "Ungültige Anfrage"
    assert german["errors"][0]["message"] == "Der Wert liegt außerhalb des erlaubten Bereichs."
    assert english["title"] == "Bad request"
    assert english["errors"][0]["message"] == "The value is outside the allowed range."


# --------------------------------------------------------------------------- one case


def test_a_case_shows_its_answers_and_the_steps_the_keys_role_may_take(app):
    reference = make_case(app, "usingen", 7, answers={"vorname": "Erika"}, fee_cents=4500,
                          fees=[{"id": "anmeldung", "label": "Anmeldung", "cents": 4500}])
    case = api(app, "usingen").get(f"/cases/{reference}").get_json()
    assert case["reference"] == reference and case["status"] == "submitted" and case["status_label"] == "Eingegangen"
    assert case["answers"] == {"vorname": "Erika"} and case["fee_cents"] == 4500
    assert case["fees"] == [{"id": "anmeldung", "label": "Anmeldung", "cents": 4500}]
    assert [t["id"] for t in case["transitions"]] == ["start"]
    readonly = api(app, "usingen", roles=(), scopes=("cases:read",))
    assert readonly.get(f"/cases/{reference}").get_json()["transitions"] == []


def test_an_unknown_reference_is_a_404_problem(app):
    assert _problem(api(app, "usingen").get("/cases/US-2026-999999"), 404)["type"].endswith("#problem-not-found")


def test_a_workflow_step_through_the_api_is_the_workbenchs_step_with_the_key_as_actor(app):
    reference = make_case(app, "usingen", 1)
    client = api(app, "usingen", name="Fachverfahren Hundesteuer")
    answer = client.post(f"/cases/{reference}/transitions", json={"transition": "start"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "in_progress"
    timeline = client.get(f"/cases/{reference}/timeline").get_json()["items"]
    assert timeline[-1]["action"] == "case.transition" and timeline[-1]["actor"] == "API: Fachverfahren Hundesteuer"
    assert timeline[-1]["details"]["to"] == "in_progress"


def test_a_step_the_workflow_does_not_allow_is_a_409_and_changes_nothing(app):
    reference = make_case(app, "usingen", 1)
    before = _state(app, "usingen", reference)
    client = api(app, "usingen")
    for body in ({"transition": "approve"}, {"transition": "gibt-es-nicht"}):
        assert _problem(client.post(f"/cases/{reference}/transitions", json=body), 409)["type"].endswith(
            "#problem-not-allowed")
    team_lead = api(app, "usingen", roles=("team_lead",))
    assert team_lead.post(f"/cases/{reference}/transitions", json={"transition": "gibt-es-nicht"}).status_code == 409
    readonly = api(app, "usingen", roles=(), scopes=("cases:read",))
    assert _problem(readonly.post(f"/cases/{reference}/transitions", json={"transition": "start"}), 403)
    client.post(f"/cases/{reference}/transitions", json={"transition": "start"})
    # Asking for information needs a text for the citizen.
    assert _problem(client.post(f"/cases/{reference}/transitions", json={"transition": "request_information"}), 409)
    assert _state(app, "usingen", reference)[0] == "in_progress"
    assert before[1:3] == _state(app, "usingen", reference)[1:3]


def test_malformed_wrongly_typed_or_unknown_bodies_are_400_and_change_nothing(app):
    reference = make_case(app, "usingen", 1)
    before = _state(app, "usingen", reference)
    client = api(app, "usingen")
    path = f"/cases/{reference}/transitions"
    json_header = {"Content-Type": "application/json"}
    assert _problem(client.post(path, data="{nicht json", headers=json_header), 400)["type"].endswith(
        "#problem-invalid-json")
    assert _problem(client.post(path, data="transition=start", headers={
        "Content-Type": "application/x-www-form-urlencoded"}), 415)
    fields = lambda response: [e["field"] for e in _problem(response, 400)["errors"]]  # noqa: E731
    assert fields(client.post(path, json={"transition": 5})) == ["body.transition"]
    assert fields(client.post(path, json={"transition": "start", "als": "admin"})) == ["body.als"]
    assert fields(client.post(path, json=["start"])) == ["body"]
    assert fields(client.post(path, json={})) == ["body.transition"]
    assert _state(app, "usingen", reference) == before


def test_a_message_to_the_citizen_is_stored_shown_and_mailed(app):
    reference = make_case(app, "usingen", 1)
    client = api(app, "usingen")
    answer = client.post(f"/cases/{reference}/messages", json={"body": "Bitte reichen Sie den Nachweis nach."})
    assert answer.status_code == 201 and answer.get_json()["author"] == "clerk"
    listed = client.get(f"/cases/{reference}/messages").get_json()["items"]
    assert [m["body"] for m in listed] == ["Bitte reichen Sie den Nachweis nach."]
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail")).all()
        assert [m.payload["template"] for m in mails] == ["nachricht_der_verwaltung"]
        # The mail belongs to the case: deleting the case deletes it.
        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
        assert [m.case_id for m in mails] == [case_id]
    blank = client.post(f"/cases/{reference}/messages", json={"body": "   "})
    assert _problem(blank, 422)["detail"].startswith("Bitte schreiben Sie eine Nachricht")
    assert _problem(client.post(f"/cases/{reference}/messages", json={"body": ""}), 400)


# --------------------------------------------------------------------------- documents


def test_documents_are_listed_described_and_downloaded_with_their_content(app):
    reference = make_case(app, "usingen", 1)
    document_id = _attach(app, "usingen", reference, "Nachweis Hund.pdf")
    client = api(app, "usingen", scopes=("documents:read",))
    listed = client.get(f"/cases/{reference}/documents").get_json()["items"]
    assert [(d["id"], d["filename"], d["content_type"], d["size"]) for d in listed] == [
        (document_id, "Nachweis Hund.pdf", "application/pdf", len(PDF))]
    assert client.get(f"/cases/{reference}/documents/{document_id}").get_json()["sha256"] == listed[0]["sha256"]
    content = client.get(f"/cases/{reference}/documents/{document_id}/content")
    assert content.status_code == 200 and content.data == PDF and content.mimetype == "application/pdf"
    assert "Nachweis Hund.pdf" in content.headers["Content-Disposition"]
    assert content.headers["Cache-Control"] == "no-store"
    assert _problem(client.get(f"/cases/{reference}/documents/{document_id + 1}/content"), 404)
    assert _problem(client.get(f"/cases/{reference}"), 403)["type"].endswith("#problem-missing-scope")


def test_a_document_added_through_the_api_is_checked_like_every_upload(app):
    reference = make_case(app, "usingen", 1)
    client = api(app, "usingen")
    added = client.post(f"/cases/{reference}/documents",
                        json={"filename": "Bescheid.pdf", "content_base64": base64.b64encode(PDF).decode()})
    assert added.status_code == 201 and added.get_json()["source"] == "clerk"
    before = _state(app, "usingen", reference)
    fake = client.post(f"/cases/{reference}/documents", json={
        "filename": "Bescheid.pdf", "content_base64": base64.b64encode(b"MZ\x90\x00 kein pdf").decode()})
    assert _problem(fake, 422)["type"].endswith("#problem-refused")
    not_base64 = client.post(f"/cases/{reference}/documents", json={"filename": "a.pdf", "content_base64": "!!!!"})
    assert _problem(not_base64, 400)
    assert _state(app, "usingen", reference) == before
    assert [d["filename"] for d in client.get(f"/cases/{reference}/documents").get_json()["items"]] == ["Bescheid.pdf"]


# --------------------------------------------------------------------------- catalogue


def test_the_catalogue_lists_the_towns_services_with_their_pages(app):
    entries = api(app, "usingen", scopes=("catalogue:read",)).get("/catalogue").get_json()["items"]
    dog = next(entry for entry in entries if entry["slug"] == "hundesteuer-anmelden")
    assert dog["title"]["de"] == "Hund zur Hundesteuer anmelden"
    assert dog["url"] == "http://usingen.localhost/leistungen/hundesteuer-anmelden"
