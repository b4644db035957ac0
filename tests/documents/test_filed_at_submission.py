"""A submitted case is filed at once: a Vorgang of the Akte of its process's Aktenplan unit and
year, with its Aktenzeichen, holding every document of the case (the citizen's uploads, later
replies' attachments) as versions."""

from __future__ import annotations

import io
import re

from amtsweg.cases.models import Case, CaseMessage
from amtsweg.documents import records
from amtsweg.documents.models import Vorgang
from amtsweg.extensions import db
from casefiles import in_town
from cases.applying import DOG, PERSON, csrf_of, send_step, start, submit
from conftest import town_client
from flask import Flask
from sqlalchemy import select

TOWN = "glashuetten"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DANGEROUS_DOG = {**DOG, "hunde.0.gefaehrlich": "ja", "hunde.0.gefaehrlich_grund": "rasse",
                 "hunde.0.erlaubnis_vorhanden": "ja", "hunde.0.erlaubnis_behoerde": "Ordnungsamt, Az. 12/2024"}


def apply_with_permit(app: Flask) -> str:
    """Submit a dangerous dog with its permit as a PDF; returns the status link."""
    client = town_client(app, TOWN)
    start(client)
    send_step(client, 1, PERSON)
    send_step(client, 2, DANGEROUS_DOG, action="speichern")
    send_step(client, 2, {**DANGEROUS_DOG, "hunde.0.erlaubnis_nachweis": (io.BytesIO(PDF), "erlaubnis.pdf")})
    send_step(client, 3, {"versicherung": "richtig"})
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    return re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)


def filed_files(app: Flask, reference: str) -> tuple[str, str, list[tuple[str, int, str]]]:
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case).filter_by(reference=reference)).one()
        vorgang = db.session.scalars(select(Vorgang).filter_by(case_id=case.id)).one()
        files = [(v.filename, v.number, v.channel) for v in records.versions_of(vorgang)]
        return vorgang.aktenzeichen, vorgang.subject, files


def test_a_submitted_case_is_a_vorgang_of_its_units_akte_holding_its_upload(app: Flask) -> None:
    apply_with_permit(app)
    apply_with_permit(app)

    with in_town(app, TOWN):
        first, second = db.session.scalars(select(Case).order_by(Case.id)).all()
    year = first.submitted_at.year
    aktenzeichen, subject, files = filed_files(app, first.reference)
    # The unit the definition names (9.0.3 Hundesteuer); Glashütten keeps the shared default plan.
    assert aktenzeichen == f"9.0.3-{year}/1"
    assert subject == f"Hund zur Hundesteuer anmelden – {first.reference}"
    assert files == [("erlaubnis.pdf", 1, "portal")]
    assert filed_files(app, second.reference)[0] == f"9.0.3-{year}/2"


def test_a_replys_attachment_joins_the_vorgang(app: Flask) -> None:
    link = apply_with_permit(app)
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case)).one()
        db.session.add(CaseMessage(case_id=case.id, author="clerk", kind="information_request", body="Impfpass?"))
        case.status = "waiting_for_citizen"
        db.session.commit()
        reference = case.reference
    client = town_client(app, TOWN)
    page = client.get(link).get_data(as_text=True)
    client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Anbei", "dokumente": (io.BytesIO(PDF), "impfpass.pdf")})

    assert filed_files(app, reference)[2] == [("erlaubnis.pdf", 1, "portal"), ("impfpass.pdf", 1, "portal")]
