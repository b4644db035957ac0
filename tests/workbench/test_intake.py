"""Multichannel intake: a clerk records a phone/post/in-person application with the citizen's form engine."""

from __future__ import annotations

import io
from pathlib import Path

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case
from amtsweg.clock import today_in_germany
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import DOG, PERSON
from conftest import tenant_info, town_client
from pypdf import PdfReader
from support.logins import csrf_token_of, login_as

URL = "/sachbearbeitung/erfassen/hundesteuer-anmelden"


def clerk(app, town="usingen"):
    client = town_client(app, town)
    login_as(client, "clerk", username="sb-intake")
    return client


def _form(client, **data):
    page = client.get(URL).get_data(as_text=True)
    key = page.split('name="einreichung" value="')[1].split('"')[0]
    return {"csrf_token": csrf_token_of(page), "einreichung": key, **data}


def _cases(app, town="usingen"):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return [(c.reference, c.channel, c.applicant_name, c.due_date is not None)
                for c in db.session.scalars(db.select(Case))]


def test_a_clerk_records_a_phone_application_with_channel_and_audit(app):
    client = clerk(app)
    assert URL in client.get("/sachbearbeitung/erfassen/").get_data(as_text=True)
    page = client.get(URL)
    assert page.status_code == 200 and 'name="vorname"' in page.get_data(as_text=True)
    response = client.post(URL, data=_form(client, kanal="phone", versicherung="richtig", **PERSON, **DOG))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [(reference, channel, name, has_due_date)] = _cases(app)
    assert (channel, name, has_due_date) == ("phone", "Erika Mustermann", True)
    assert response.headers["Location"].endswith(f"/sachbearbeitung/vorgang/{reference}")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case.submitted")).one()
    assert event.actor == "sb-intake" and event.details["channel"] == "phone"
    receipt = client.get(f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(receipt.data)).pages)
    assert reference in text and "Mustermann" in text


def test_the_same_intake_page_sent_twice_records_one_case(app):
    client = clerk(app)
    form = _form(client, kanal="post", versicherung="richtig", **PERSON, **DOG)
    first = client.post(URL, data=form)
    second = client.post(URL, data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_cases(app)) == 1


def test_missing_answers_and_channel_are_listed_and_nothing_is_stored(app):
    client = clerk(app)
    response = client.post(URL, data=_form(client, vorname="Erika"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte korrigieren Sie" in html and "wie der Antrag eingegangen ist" in html
    assert 'value="Erika"' in html
    assert _cases(app) == []


def test_groups_grow_on_the_intake_page_without_javascript(app):
    client = clerk(app)
    html = client.post(URL, data=_form(client, aktion="hinzufuegen:hunde", **DOG)).get_data(as_text=True)
    assert 'name="hunde.1.name"' in html and 'value="Bello"' in html


def test_intake_needs_staff_and_is_404_for_unknown_processes_and_other_towns(app):
    assert town_client(app, "usingen").get(URL).status_code == 302
    client = clerk(app)
    assert client.get("/sachbearbeitung/erfassen/gibt-es-nicht").status_code == 404
    schmitten_case = clerk(app, "schmitten")
    schmitten_case.post(URL, data=_form(schmitten_case, kanal="in_person", versicherung="richtig", **PERSON, **DOG))
    [(reference, *_)] = _cases(app, "schmitten")
    assert client.get(f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf").status_code == 404


# --------------------------------------------------------------------------- scanned documents

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MOVE_OUT_URL = "/sachbearbeitung/erfassen/zweitwohnungsteuer-abmelden"
MOVE_OUT = {
    "kanal": "post", "vorname": "Erika", "nachname": "Mustermann", "email": "erika@example.org",
    "zweitwohnung.street": "Bahnhofstraße", "zweitwohnung.house_number": "3", "zweitwohnung.postal_code": "61250",
    "zweitwohnung.city": "Usingen", "grund": "hauptwohnung", "versicherung": "richtig",
}


def _move_out_form(client, **data):
    page = client.get(MOVE_OUT_URL).get_data(as_text=True)
    key = page.split('name="einreichung" value="')[1].split('"')[0]
    return {"csrf_token": csrf_token_of(page), "einreichung": key, "datum": today_in_germany().strftime("%d.%m.%Y"),
            **MOVE_OUT, **data}


def _documents(app, town="usingen"):
    """The uploaded documents (not the receipts the platform files itself)."""
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return [(d.filename, d.case_id, d.draft_id, d.source)
                for d in db.session.scalars(db.select(Document).where(Document.kind.is_(None)))]


def _stored_files(app):
    return sorted(p.name for p in (Path(app.instance_path) / "documents").rglob("*") if p.is_file()
                  and not p.name.startswith("upload-"))


def test_the_intake_page_offers_the_file_fields_of_the_process(app):
    html = clerk(app).get(MOVE_OUT_URL).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'name="nachweis" type="file"' in html


def test_a_scanned_document_is_linked_to_the_recorded_case_and_downloadable(app):
    client = clerk(app)
    response = client.post(MOVE_OUT_URL, data=_move_out_form(client, nachweis=(io.BytesIO(PDF), "kuendigung.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [(reference, channel, *_)] = _cases(app)
    [(filename, case_id, draft_id, source)] = _documents(app)
    assert (channel, filename, draft_id, source) == ("post", "kuendigung.pdf", None, "clerk") and case_id is not None
    case_page = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    document_url = next(part.split('"')[0] for part in case_page.split('href="') if "/dokument/" in part)
    assert document_url.startswith(f"/sachbearbeitung/vorgang/{reference}/dokument/")
    download = client.get(document_url)
    assert download.status_code == 200 and download.data == PDF
    assert clerk(app, "schmitten").get(document_url).status_code == 404


def test_a_process_requiring_a_document_is_not_recorded_without_it(app):
    client = clerk(app)
    response = client.post(MOVE_OUT_URL, data=_move_out_form(client))
    assert response.status_code == 400
    assert 'href="#feld-nachweis"' in response.get_data(as_text=True)
    assert _cases(app) == []


def test_a_disguised_executable_is_refused_and_nothing_is_left_behind(app):
    client = clerk(app)
    executable = (io.BytesIO(b"MZ\x90\x00" + b"\0" * 300), "nachweis.pdf")
    response = client.post(MOVE_OUT_URL, data=_move_out_form(client, nachweis=executable),
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Der Inhalt der Datei passt nicht zu den erlaubten Dateitypen" in html
    assert _cases(app) == [] and _documents(app) == [] and _stored_files(app) == []


def test_a_good_file_on_a_page_with_other_errors_is_not_kept(app):
    client = clerk(app)
    response = client.post(MOVE_OUT_URL, data=_move_out_form(client, vorname="", nachweis=(io.BytesIO(PDF), "a.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "a.pdf" not in response.get_data(as_text=True)
    assert _documents(app) == [] and _stored_files(app) == []
