"""A booked payment files its Zahlungsquittung in the case's Vorgang, in the booking's transaction:
the clerk's eAkte lists it with its version and checksum; another town's clerk gets a 404."""

from __future__ import annotations

import hashlib
import io

import pytest
from amtsweg.cases.workflow import definition_of
from amtsweg.clock import today_in_germany
from amtsweg.documents import records
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.payments import services
from casefiles import read_stored
from lxml import html
from payment_support import case_of, in_town, make_case
from pypdf import PdfReader
from sqlalchemy import select
from support.logins import login_as


def _receipts(reference: str) -> list[Document]:
    return list(db.session.scalars(select(Document).filter_by(case_id=case_of(reference).id, kind="zahlungsquittung")))


def test_booking_a_payment_files_its_receipt_in_the_vorgang(app, client_for) -> None:
    reference = make_case(app, "usingen")
    with in_town(app, "usingen"):
        case = case_of(reference)
        records.file_case(case, definition_of(case)[1])
        db.session.commit()
        payment = services.start_payment(case, None, "payment.show", "ueberweisung").payment
        assert _receipts(reference) == []
        services.mark_paid_by_hand(payment, "k.kasse", today_in_germany(), "Kontoauszug 12")
        [receipt] = _receipts(reference)
        receipt_id, key, sha256, name = receipt.id, receipt.storage_key, receipt.sha256, receipt.filename
        kassenzeichen = payment.kassenzeichen

    stored = read_stored(app, key)
    assert hashlib.sha256(stored).hexdigest() == sha256 and name == f"Zahlungsquittung-{reference}-1.pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(stored)).pages).split())
    assert "Zahlungsquittung" in text and reference in text and kassenzeichen in text and "Überweisung" in text
    clerk = client_for("usingen")
    login_as(clerk, "clerk", username="k.meier")
    akte = f"/sachbearbeitung/vorgang/{reference}/akte"
    page = html.fromstring(clerk.get(akte).get_data(as_text=True))
    [row] = page.xpath("//table//tr[th[contains(., 'Zahlungsquittung-')]]")
    cells = [" ".join(" ".join(cell.itertext()).split()) for cell in row.xpath("th|td")]
    assert cells[0] == f"Zahlungsquittung {name}" and cells[1].endswith(f"{sha256[:16]}…")
    foreign = client_for("schmitten")
    login_as(foreign, "clerk", username="sb-schmitten")
    assert foreign.get(f"{akte}/dokument/{receipt_id}").status_code == 404


def test_a_payment_booked_once_files_one_receipt_however_often_it_is_booked(app) -> None:
    reference = make_case(app, "usingen")
    with in_town(app, "usingen"):
        payment = services.start_payment(case_of(reference), None, "payment.show", "ueberweisung").payment
        services.mark_paid_by_hand(payment, "k.kasse", today_in_germany(), "")
        for _ in range(3):
            with pytest.raises(services.CashOfficeInputInvalid):
                services.mark_paid_by_hand(payment, "k.kasse", today_in_germany(), "")
        assert len(_receipts(reference)) == 1
