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
from conftest import host_client, sent_mails, tenant_info, town_client
from lxml import html as lxml_html
from sqlalchemy import select
from support.logins import csrf_token_of, login_as

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
        document = db.session.scalars(select(Document).where(Document.kind.is_(None))).one()
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
        assert db.session.scalars(select(Document).where(Document.kind.is_(None))).all() == []


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


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_after_the_citizen_replied_the_status_page_no_longer_asks_for_a_reply(app, submitted):
    client, link = submitted
    reference = _case(app)["reference"]
    clerk = town_client(app, "schmitten")
    login_as(clerk, "clerk")
    for transition, text in (("start", ""), ("request_information", "Bitte reichen Sie den Impfpass nach.")):
        page = clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
        clerk.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                   data={"csrf_token": csrf_token_of(page), "nachricht": text})
    asking = _text(client.get(link).get_data(as_text=True))
    assert "Bitte beantworten Sie unsere Nachricht." in asking and "Antworten und Unterlagen nachreichen" in asking

    page = client.get(link).get_data(as_text=True)
    client.post(link + "/antworten", data={"csrf_token": csrf_of(page), "nachricht": "Anbei der Impfpass."})
    answered = _text(client.get(link).get_data(as_text=True))
    assert "Ihre Antwort ist eingegangen. Wir prüfen sie und setzen dann die Bearbeitung fort." in answered
    assert "Bitte beantworten Sie unsere Nachricht." not in answered
    assert "Antworten und Unterlagen nachreichen" not in answered and "Antwort senden" not in answered
    assert "Anbei der Impfpass." in answered


def test_withdrawing_sends_a_confirmation_mail_in_html_and_text_with_a_working_link(app):
    client = host_client(app, "schmitten.localhost:5000")
    fill_all_steps(client)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)
    form = client.get(link + "/zurueckziehen").get_data(as_text=True)
    client.post(link + "/zurueckziehen", data={"csrf_token": csrf_of(form)})
    _receipt, withdrawal = sent_mails(app)
    reference = _case(app)["reference"]
    assert withdrawal["To"] == "erika@example.org"
    assert withdrawal["Subject"] == f"Ihr Antrag {reference} ist zurückgezogen"
    text = withdrawal.get_body(("plain",)).get_content()
    html = withdrawal.get_body(("html",)).get_content()
    assert "Er wird nicht weiter bearbeitet." in text and "Er wird nicht weiter bearbeitet." in _text(html)
    [mailed] = re.findall(r"https?://\S+/vorgang/\S+", text)
    assert mailed.startswith("http://schmitten.localhost:5000/vorgang/") and f'href="{mailed}"' in html
    shown = _text(town_client(app, "schmitten").get(mailed.removeprefix("http://schmitten.localhost:5000")).data
                  .decode())
    assert "Sie haben den Antrag zurückgezogen." in shown


def test_an_english_citizen_reads_upload_refusals_and_the_replied_state_in_english(app, submitted):
    client, link = submitted
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        db.session.scalars(select(Case)).one().status = "waiting_for_citizen"
        db.session.commit()
    client.get("/sprache/en")
    page = client.get(link).get_data(as_text=True)
    refused = client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Here", "dokumente": (io.BytesIO(b""), "empty.pdf")})
    assert "The file is empty. Please choose a file with content." in refused.get_data(as_text=True)
    client.post(link + "/antworten", data={"csrf_token": csrf_of(page), "nachricht": "Here it is."})
    assert "Your reply has arrived. We will check it and then continue processing." in _text(
        client.get(link).get_data(as_text=True))


@pytest.mark.parametrize("app_overrides", [{"MAX_CONTENT_LENGTH": 1024 * 1024}])
def test_a_reply_over_the_request_limit_shows_the_status_page_with_the_error_at_the_upload_field(app, submitted):
    client, link = submitted
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        db.session.add(CaseMessage(case_id=db.session.scalars(select(Case)).one().id, author="clerk",
                                   kind="information_request", body="Bitte reichen Sie den Impfpass nach."))
        db.session.scalars(select(Case)).one().status = "waiting_for_citizen"
        db.session.commit()
    page = client.get(link).get_data(as_text=True)
    response = client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Anbei der Impfpass.",
        "dokumente": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 2 * 1024 * 1024), "gross.pdf")})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    shown = _text(html)
    assert "Die ausgewählten Dateien sind zusammen größer als 1 MB und wurden nicht gesendet." in shown
    assert "Bitte reichen Sie den Impfpass nach." in shown and "Antwort senden" in shown
    assert 'id="dokumente-fehler"' in html or "dokumente-fehler" in html
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        assert db.session.scalars(select(CaseMessage)).one().author == "clerk"
        # Only the receipt filed at submission; the oversize reply stored nothing.
        assert db.session.scalars(select(Document).where(Document.kind.is_(None))).all() == []


@pytest.mark.parametrize("app_overrides", [{"MAX_CONTENT_LENGTH": 1024 * 1024}])
def test_the_reply_forms_upload_field_carries_its_limits_and_the_servers_messages_for_the_browser(app, submitted):
    client, link = submitted
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        db.session.add(CaseMessage(case_id=db.session.scalars(select(Case)).one().id, author="clerk",
                                   kind="information_request", body="Bitte reichen Sie den Impfpass nach."))
        db.session.scalars(select(Case)).one().status = "waiting_for_citizen"
        db.session.commit()
    page = lxml_html.fromstring(client.get(link).get_data(as_text=True))
    assert " ".join(page.get_element_by_id("feld-dokumente-hinweis").text_content().split()) == (
        "PDF, JPEG oder PNG, höchstens 10 MB je Datei.")
    upload = page.get_element_by_id("feld-dokumente")
    assert (upload.get("data-max-bytes"), upload.get("data-request-limit")) == (str(10 * 1024 * 1024), str(1024 * 1024))
    assert upload.get("data-too-large") == "Die Datei ist zu groß. Eine Datei darf höchstens 10 MB groß sein."
    assert upload.get("data-request-too-large").startswith("Die ausgewählten Dateien sind zusammen größer als 1 MB")
    assert 'src="/static/js/upload_limits.js"' in client.get(link).get_data(as_text=True)
