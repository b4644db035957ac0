"""What a citizen holds in the hand: the decision letter and the receipt as PDF (issue 11, defects 2,
18 and 19) — readable costs, a deposit apart from the fee total, a greeting by name, a contact person
who can be reached, the town's logo, and tagged PDF/UA for screen readers."""

from __future__ import annotations

import http.server
import io
import os
import re
import threading
from pathlib import Path

from amtsweg.cases.models import Case
from amtsweg.cases.receipts import receipt_pdf
from amtsweg.cases.workflow import Actor, perform
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from casefiles import make_case as make_case_with_files
from cases.applying import DOG, PERSON, send_step, start, submit
from conftest import tenant_info, town_client
from pypdf import PdfReader
from workbench.case_factory import make_case

FEES = [
    {"id": "miete", "label": {"de": "Miete großer Saal", "en": "Rent large hall"}, "cents": 25000},
    {"id": "kueche", "label": {"de": "Nutzung der Küche", "en": "Use of the kitchen"}, "cents": 5000},
    {"id": "kaution", "label": {"de": "Kaution", "en": "Deposit"}, "cents": 30000, "refundable": True},
]
PDF = b"%PDF-1.4\n%%EOF\n"
CLERK = Actor("Klara Weber", ("clerk",), "k.weber@usingen.example")


def _text(pdf: bytes) -> str:
    return "\n".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)


def _is_tagged_pdf_ua(pdf: bytes) -> bool:
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    return ("/StructTreeRoot" in catalog and bool(catalog["/MarkInfo"].get("/Marked"))
            and str(catalog.get("/Lang", "")).startswith("de"))


def _figures(pdf: bytes) -> list[str]:
    """The alternative texts of the figures in the PDF's structure tree (what a screen reader reads)."""
    found: list[str] = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


def _approval_letter(app) -> bytes:
    reference = make_case(app, "usingen", answers={"anschrift": {"street": "Obergasse", "house_number": "5",
                                                                 "postal_code": "61250", "city": "Usingen"}},
                          applicant_name="Erika Mustermann", fees=FEES, fee_cents=30000)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        perform(case, "start", CLERK)
        perform(case, "approve", CLERK, "Der Saal ist für Sie reserviert.")
        letter = db.session.scalars(db.select(Document).filter_by(case_id=case.id)).one()
        with get_storage().open(letter.storage_key) as stream:
            return stream.read()


def test_the_approval_letter_lists_readable_costs_and_the_deposit_apart_from_their_total(app):
    text = _text(_approval_letter(app))
    assert "{'de'" not in text and "'en'" not in text
    assert re.search(r"Miete großer Saal\s*250,00\s€", text)
    assert re.search(r"Gesamt\s*300,00\s€", text), "the fee total leaves the deposit out"
    costs, deposit = text.split("\nKaution\n", 1)
    assert "300,00 €\n" not in costs.split("Gesamt")[0], "the deposit is no cost line"
    assert "erstattet" in deposit and re.search(r"Kaution\s*300,00\s€", deposit)


def test_the_letter_greets_the_applicant_by_name_and_names_a_reachable_contact_person(app):
    text = _text(_approval_letter(app))
    assert "Guten Tag Erika Mustermann," in text and "Damen und Herren" not in text
    assert "Klara Weber" in text and "k.weber@usingen.example" in text
    assert "069 90009-102" in text  # the town's phone number, as no office line is configured


def test_the_letter_is_tagged_pdf_ua_with_the_towns_logo(app):
    pdf = _approval_letter(app)
    assert _is_tagged_pdf_ua(pdf)
    assert _figures(pdf) == ["Wappen: Stadt Usingen"]


def test_the_receipt_is_tagged_and_shows_the_fee_total(app):
    client = town_client(app, "usingen")
    start(client)
    send_step(client, 1, PERSON)
    send_step(client, 2, DOG)
    send_step(client, 3, {"versicherung": "richtig"})
    confirmation = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    status_link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', confirmation).group(1)
    pdf = client.get(status_link + "/eingangsbestaetigung.pdf").data
    assert _is_tagged_pdf_ua(pdf) and _figures(pdf) == ["Wappen von Usingen"]
    text = _text(pdf)
    assert "Eingangsbestätigung" in text and "Erika" in text


def _headed(text: str, heading: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() == heading)


def test_the_receipt_names_the_documents_once_when_a_step_is_called_unterlagen_too(app):
    reference = make_case_with_files(app, "schmitten", "fischereischein", files={"Pruefungszeugnis.pdf": PDF})
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.query(Case).filter_by(reference=reference).one()
        pdf = receipt_pdf(case)
        german = _text(pdf)
        case.locale = "en"
        english = _text(receipt_pdf(case))
        db.session.rollback()
    if os.environ.get("AMTSWEG_SCREENSHOTS"):
        (Path(os.environ["AMTSWEG_SCREENSHOTS"]) / "receipt-unterlagen.pdf").write_bytes(pdf)
    assert _headed(german, "Unterlagen") == 1 and "Pruefungszeugnis.pdf" in german
    assert german.index("Unterlagen") < german.index("Pruefungszeugnis.pdf") < german.index("Gebühren")
    assert _headed(english, "Documents") == 1 and "Pruefungszeugnis.pdf" in english


def test_the_receipt_heads_the_documents_itself_when_no_step_is_called_so(app):
    reference = make_case_with_files(app, "usingen", "hundesteuer-anmelden", files={"Nachweis.pdf": PDF})
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.query(Case).filter_by(reference=reference).one()
        text = _text(receipt_pdf(case))
    assert _headed(text, "Unterlagen") == 1
    assert text.index("Unterlagen") < text.index("Nachweis.pdf")


def test_the_service_page_marks_a_deposit_as_refunded(app):
    page = town_client(app, "neu-anspach").get("/leistungen/buergerhaus-mieten").get_data(as_text=True)
    assert "Kaution für den Saal (wird nach ordnungsgemäßer Rückgabe erstattet)" in " ".join(page.split())



def test_a_document_fetches_nothing_from_the_network():
    from amtsweg.pdf import render_pdf

    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        html = (f'<html lang="de"><head><title>Brief</title><link rel="stylesheet" href="{url}/style.css">'
                f'</head><body><p>Hallo</p><img src="{url}/intern.png" alt="Bild"></body></html>')
        assert "Hallo" in _text(render_pdf(html))
    finally:
        server.shutdown()
    assert requests == []
