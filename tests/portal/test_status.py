"""The status page behind the secret link: status, timeline, reply to a request, withdrawal, receipt."""

from __future__ import annotations

import io
import re

import pytest
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import csrf_of, fill_all_steps, submit
from conftest import tenant_info, town_client
from sqlalchemy import select

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def submitted(app):
    client = town_client(app, "schmitten")
    fill_all_steps(client)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    return client, re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)


def _case(app) -> dict:
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.scalars(select(Case)).one()
        return {"id": case.id, "reference": case.reference, "status": case.status}


def test_the_status_page_shows_status_timeline_and_the_towns_contact(submitted):
    client, link = submitted
    response = client.get(link)
    html = response.get_data(as_text=True)
    assert "Eingegangen – Ihr Antrag wartet auf die Bearbeitung." in html
    assert "Antrag eingegangen" in html and "Schmitten" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_receipt_pdf_is_offered_for_download(submitted):
    client, link = submitted
    response = client.get(link + "/eingangsbestaetigung.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert _case(client.application)["reference"] in response.headers["Content-Disposition"]


def test_the_citizen_answers_an_information_request_with_a_document(app, submitted):
    client, link = submitted
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.scalars(select(Case)).one()
        db.session.add(CaseMessage(case_id=case.id, author="clerk", kind="information_request",
                                   body="Bitte reichen Sie den Impfpass nach."))
        case.status = "waiting_for_citizen"
        db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "Bitte reichen Sie den Impfpass nach." in page
    empty = client.post(link + "/antworten", data={"csrf_token": csrf_of(page), "nachricht": " "})
    assert "Bitte schreiben Sie eine Nachricht." in empty.get_data(as_text=True)
    sent = client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Anbei der Impfpass.",
        "dokumente": (io.BytesIO(PDF), "impfpass.pdf")})
    assert sent.status_code == 302
    html = client.get(link).get_data(as_text=True)
    assert "Anbei der Impfpass." in html and "impfpass.pdf" in html and "Ihre Antwort ist eingegangen" in html
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        request = db.session.scalars(select(CaseMessage).filter_by(kind="information_request")).one()
        document = db.session.scalars(select(Document)).one()
        assert request.answered_at is not None and document.case_id == _case(app)["id"]


def test_a_bad_file_in_a_reply_stores_neither_message_nor_file(app, submitted):
    client, link = submitted
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.scalars(select(Case)).one()
        case.status = "waiting_for_citizen"
        db.session.commit()
    page = client.get(link).get_data(as_text=True)
    response = client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Hier", "dokumente": (io.BytesIO(b""), "leer.pdf")})
    assert response.status_code == 200 and "Die Datei ist leer" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        assert db.session.scalars(select(CaseMessage)).all() == []
        assert db.session.scalars(select(Document)).all() == []


def test_the_citizen_withdraws_the_application(submitted):
    client, link = submitted
    page = client.get(link + "/zurueckziehen").get_data(as_text=True)
    assert "Antrag" in page and "zurückziehen" in page
    assert client.post(link + "/zurueckziehen", data={"csrf_token": csrf_of(page)}).status_code == 302
    html = client.get(link).get_data(as_text=True)
    assert "Sie haben den Antrag zurückgezogen." in html and "Antrag zurückgezogen" in html
    assert _case(client.application)["status"] == "withdrawn"
    assert "/zurueckziehen" not in html


def test_withdrawing_without_the_csrf_token_changes_nothing(submitted):
    client, link = submitted
    assert client.post(link + "/zurueckziehen").status_code == 400
    assert _case(client.application)["status"] == "submitted"


def test_no_action_works_on_another_towns_host(app, submitted):
    _, link = submitted
    other = town_client(app, "usingen")
    for path in ("", "/zurueckziehen", "/eingangsbestaetigung.pdf"):
        assert other.get(link + path).status_code == 404
