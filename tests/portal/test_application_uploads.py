"""Files sent with a form step: stored for the draft, refused with a German message, linked at submission."""

from __future__ import annotations

import io
from pathlib import Path

from amtsweg.cases.models import Case
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import DOG, PERSON, SLUG, send_step, start, submit
from conftest import tenant_info, town_client
from sqlalchemy import select

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DANGEROUS_DOG = {**DOG, "hunde.0.gefaehrlich": "ja", "hunde.0.gefaehrlich_grund": "rasse",
                 "hunde.0.erlaubnis_vorhanden": "ja", "hunde.0.erlaubnis_behoerde": "Ordnungsamt, Az. 12/2024"}
PERMIT = "hunde.0.erlaubnis_nachweis"


def _documents(app):
    with app.app_context(), tenant_context(tenant_info(app, "glashuetten")):
        return db.session.scalars(select(Document)).all()


def _dangerous_dog_step(client, upload):
    start(client)
    send_step(client, 1, PERSON)
    # The permit field only exists once the dog is marked dangerous with a permit.
    send_step(client, 2, DANGEROUS_DOG, action="speichern")
    return send_step(client, 2, {**DANGEROUS_DOG, PERMIT: upload})


def test_an_uploaded_permit_is_linked_to_the_submitted_case(app):
    client = town_client(app, "glashuetten")
    response = _dangerous_dog_step(client, (io.BytesIO(PDF), "erlaubnis.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)
    send_step(client, 3, {"versicherung": "richtig"})
    assert "erlaubnis.pdf" in client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    submit(client)
    with app.app_context(), tenant_context(tenant_info(app, "glashuetten")):
        case = db.session.scalars(select(Case)).one()
        # The upload (the receipt filed beside it is the platform's own).
        [document] = db.session.scalars(select(Document).where(Document.kind.is_(None))).all()
    assert document.case_id == case.id and document.draft_id is None
    assert case.answers["hunde"][0]["erlaubnis_nachweis"][0]["sha256"] == document.sha256
    assert (Path(app.instance_path) / "documents" / document.storage_key).read_bytes() == PDF


def test_an_executable_named_pdf_is_refused_in_the_form_and_not_stored(app):
    client = town_client(app, "glashuetten")
    response = _dangerous_dog_step(client, (io.BytesIO(b"MZ\x90\x00" + b"\0" * 300), "erlaubnis.pdf"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Der Inhalt der Datei passt nicht zu den erlaubten Dateitypen" in html
    assert 'href="#feld-hunde-0-erlaubnis-nachweis"' in html
    assert _documents(app) == []


def test_a_removed_upload_is_deleted_with_its_file(app):
    client = town_client(app, "glashuetten")
    _dangerous_dog_step(client, (io.BytesIO(PDF), "erlaubnis.pdf"))
    [document] = _documents(app)
    send_step(client, 2, DANGEROUS_DOG, action=f"datei-entfernen:{PERMIT}:0")
    assert _documents(app) == []
    assert not (Path(app.instance_path) / "documents" / document.storage_key).exists()
