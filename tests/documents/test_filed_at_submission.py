"""A submitted case is filed at once: a Vorgang of the Akte of its process's Aktenplan unit and
year, with its Aktenzeichen, holding every document of the case (the citizen's uploads, later
replies' attachments) as versions."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from amtsweg.cases import receipts, tasks
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.clock import as_utc
from amtsweg.documents import records
from amtsweg.documents.models import Document, Vorgang
from amtsweg.extensions import db
from casefiles import in_town, read_stored
from cases.applying import DOG, PERSON, csrf_of, send_step, start, submit
from conftest import town_client
from flask import Flask, has_request_context
from lxml import html
from pypdf import PdfReader
from pytest import MonkeyPatch
from sqlalchemy import func, select
from support.logins import login_as

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
    # With the upload, the receipt the citizen was given is filed (made by the platform).
    assert files == [("erlaubnis.pdf", 1, "portal"), (f"Eingangsbestaetigung-{first.reference}.pdf", 1, "generated")]
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

    assert filed_files(app, reference)[2] == [("erlaubnis.pdf", 1, "portal"),
                                              (f"Eingangsbestaetigung-{reference}.pdf", 1, "generated"),
                                              ("impfpass.pdf", 1, "portal")]


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages).split())


def _text(response) -> str:
    return " ".join(html.fromstring(response.get_data(as_text=True)).text_content().split())


def test_the_receipt_is_filed_at_submission_listed_in_the_eakte_with_its_hash_and_packed_in_the_zip(
        app: Flask) -> None:
    link = apply_with_permit(app)
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case)).one()
        reference = case.reference
        receipt = db.session.scalars(select(Document).filter_by(case_id=case.id, kind="eingangsbestaetigung")).one()
        receipt_id, sha256 = receipt.id, receipt.sha256
        filed_at = as_utc(receipt.current_version.created_at)
    stored = read_stored(app, receipt.storage_key)
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == sha256
    clerk = town_client(app, TOWN)
    login_as(clerk, "clerk", username="k.meier")
    akte = f"/sachbearbeitung/vorgang/{reference}/akte"

    rows = html.fromstring(clerk.get(akte).get_data(as_text=True)).xpath("//table//tr[th[@scope='row']]")
    cells = [[" ".join(" ".join(cell.itertext()).split()) for cell in row.xpath("th|td")] for row in rows]
    [(title, version, channel, _, _)] = [row for row in cells if "Eingangsbestaetigung" in row[0]]
    assert title == f"Eingangsbestätigung Eingangsbestaetigung-{reference}.pdf"
    assert version.startswith("1 ") and version.endswith(f"{sha256[:16]}…") and channel == "vom System erstellt"
    page = _text(clerk.get(f"{akte}/dokument/{receipt_id}"))
    assert f"Eingangsbestätigung: Eingangsbestaetigung-{reference}.pdf" in page and "vom System erstellt" in page
    with zipfile.ZipFile(io.BytesIO(clerk.get(f"{akte}/vorgang.zip").data)) as package:
        member = f"02-Eingangsbestaetigung-{reference}.pdf"
        assert package.read(member) == stored
        assert any(row.startswith(f"{member},{receipt_id},1,{sha256},") for row in
                   package.read("inhalt.csv").decode().splitlines())
        [listed] = [row for row in package.read("inhalt.csv").decode().splitlines() if row.startswith(member)]
    # The listing gives the filing time in German time with its offset (+01:00 in winter, +02:00 in summer).
    listed_at = datetime.fromisoformat(listed.rsplit(",", 1)[1])
    assert listed_at.utcoffset() == ZoneInfo("Europe/Berlin").utcoffset(listed_at.replace(tzinfo=None))
    assert abs(listed_at - filed_at) < timedelta(seconds=1)
    # The citizen downloads the very receipt that was filed, not a new rendering.
    assert town_client(app, TOWN).get(link + "/eingangsbestaetigung.pdf").data == stored
    foreign = town_client(app, "schmitten")
    login_as(foreign, "clerk", username="sb-schmitten")
    assert foreign.get(f"{akte}/dokument/{receipt_id}").status_code == 404
    assert foreign.get(f"{akte}/dokument/{receipt_id}/version/1").status_code == 404


def test_the_receipt_renders_outside_a_request_with_the_towns_configured_address(app: Flask) -> None:
    apply_with_permit(app)
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case)).one()
        case.locale = "en"
        pdf = receipts.receipt_pdf(case)
        db.session.rollback()
    text = pdf_text(pdf)
    assert "Confirmation of receipt" in text and "Eingangsbestätigung" not in text
    assert "http://glashuetten.localhost" in text and "erlaubnis.pdf" in text


def broken_renderer(page: str) -> bytes:
    raise OSError("the renderer died")


def receipts_filed(app: Flask) -> tuple[int, int]:
    """The one case's id and how many receipts it has."""
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case)).one()
        return case.id, db.session.scalar(select(func.count(Document.id)).filter_by(case_id=case.id,
                                                                                     kind=receipts.KIND))


def test_the_submit_request_renders_no_receipt_a_job_after_it_files_it_once_and_a_second_run_files_none(
        app: Flask, monkeypatch: MonkeyPatch) -> None:
    rendered_in_request = []
    render = receipts.render_pdf
    monkeypatch.setattr(receipts, "render_pdf", lambda page: rendered_in_request.append(has_request_context())
                        or render(page))

    apply_with_permit(app)

    # Without Redis the job runs inline once the request is over (its context gone), never inside it.
    assert rendered_in_request == [False]
    case_id, filed = receipts_filed(app)
    assert filed == 1
    with in_town(app, TOWN):
        assert db.session.get(Case, case_id).receipt_due is False
        # RQ runs a job at least once, and the sweep may enqueue it again: nothing more is filed.
        assert receipts.file_due_receipt(case_id) is False
    assert receipts_filed(app) == (case_id, 1) and rendered_in_request == [False]


def test_a_receipt_whose_job_failed_stays_due_and_is_filed_once_by_the_retry(
        app: Flask, monkeypatch: MonkeyPatch) -> None:
    render = receipts.render_pdf
    monkeypatch.setattr(receipts, "render_pdf", broken_renderer)
    link = apply_with_permit(app)
    case_id, filed = receipts_filed(app)
    with in_town(app, TOWN):
        case = db.session.get(Case, case_id)
        # The application is in, whatever became of its receipt.
        assert filed == 0 and case.status == "submitted" and case.receipt_due is True
    monkeypatch.setattr(receipts, "render_pdf", render)
    # Meanwhile the citizen's download is rendered on demand, and that files nothing.
    download = town_client(app, TOWN).get(link + "/eingangsbestaetigung.pdf")
    assert download.status_code == 200 and case.reference in pdf_text(download.data)
    assert receipts_filed(app) == (case_id, 0)

    with in_town(app, TOWN):
        assert receipts.file_due_receipt(case_id) is True
        assert receipts.file_due_receipt(case_id) is False
    assert receipts_filed(app) == (case_id, 1)


def test_the_sweep_enqueues_only_receipts_still_due_after_their_jobs_retries(
        app: Flask, monkeypatch: MonkeyPatch) -> None:
    render = receipts.render_pdf
    monkeypatch.setattr(receipts, "render_pdf", broken_renderer)
    apply_with_permit(app)
    monkeypatch.setattr(receipts, "render_pdf", render)
    with in_town(app, TOWN):
        submitted_at = db.session.scalars(select(Case.submitted_at)).one()
    with app.app_context():
        assert tasks.sweep_receipts(now=submitted_at + timedelta(minutes=5)) == 0
    assert receipts_filed(app)[1] == 0
    # Inline without Redis: the sweep's jobs run when its app context ends.
    with app.app_context():
        assert tasks.sweep_receipts(now=submitted_at + receipts.SWEEP_GRACE + timedelta(seconds=1)) == 1
    assert receipts_filed(app)[1] == 1
    with app.app_context():
        assert tasks.sweep_receipts(now=submitted_at + timedelta(days=1)) == 0


def test_a_receipt_filed_late_lists_the_applications_uploads_not_a_later_replys_attachment(
        app: Flask, monkeypatch: MonkeyPatch) -> None:
    render = receipts.render_pdf
    monkeypatch.setattr(receipts, "render_pdf", broken_renderer)
    link = apply_with_permit(app)
    monkeypatch.setattr(receipts, "render_pdf", render)
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case)).one()
        db.session.add(CaseMessage(case_id=case.id, author="clerk", kind="information_request", body="Impfpass?"))
        case.status = "waiting_for_citizen"
        db.session.commit()
        case_id = case.id
    client = town_client(app, TOWN)
    page = client.get(link).get_data(as_text=True)
    client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Anbei", "dokumente": (io.BytesIO(PDF), "impfpass.pdf")})

    with in_town(app, TOWN):
        assert receipts.file_due_receipt(case_id) is True
        receipt = db.session.scalars(select(Document).filter_by(kind=receipts.KIND)).one()
    text = pdf_text(read_stored(app, receipt.storage_key))
    assert "erlaubnis.pdf" in text and "impfpass.pdf" not in text
