"""The clerk's eAkte: the case page links it; it lists the Vorgang's documents with filters, each
document's versions and history; a new version is refused with a clear message while another
clerk holds the document; PDFs and images are shown inline, anything else only downloaded; the
whole Vorgang comes as a ZIP whose files match their checksums; who opened what is listed; and
every URL is a 404 on another town's host."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.cases.workflow import definition_of
from amtsweg.documents import records
from amtsweg.documents.models import Document
from amtsweg.documents.services import store_upload
from amtsweg.extensions import db
from casefiles import PDF, PNG, case_by_reference, in_town, make_case
from conftest import town_client
from flask import Flask
from lxml import html
from sqlalchemy import event, select
from support.logins import csrf_token_of, login_as

TOWN = "usingen"
PROCESS = "hundesteuer-anmelden"
TEXT = b"Aktenvermerk: Hund gesehen.\n"


def filed_case(app: Flask, files: dict[str, bytes] | None = None) -> tuple[str, str, dict[str, int]]:
    """A case with stored documents, filed as its Vorgang; (reference, Aktenzeichen, name → document id)."""
    reference = make_case(app, TOWN, PROCESS, files=files or {"Nachweis.pdf": PDF, "Foto.png": PNG})
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        aktenzeichen = records.file_case(case, definition_of(case)[1]).aktenzeichen
        db.session.commit()
        ids = {d.filename: d.id for d in db.session.scalars(select(Document).filter_by(case_id=case.id))}
    return reference, aktenzeichen, ids


def clerk(app: Flask, name: str, town: str = TOWN):
    client = town_client(app, town)
    login_as(client, "clerk", username=name)
    return client


def akte(reference: str) -> str:
    return f"/sachbearbeitung/vorgang/{reference}/akte"


def text_of(response) -> str:
    return " ".join(html.fromstring(response.get_data(as_text=True)).text_content().split())


def upload(client, reference: str, document_id: int, content: bytes, name: str):
    page = client.get(f"{akte(reference)}/dokument/{document_id}").get_data(as_text=True)
    return client.post(f"{akte(reference)}/dokument/{document_id}/version", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token_of(page), "datei": (io.BytesIO(content), name)},
                       follow_redirects=True)


def post(client, reference: str, document_id: int, action: str):
    page = client.get(f"{akte(reference)}/dokument/{document_id}").get_data(as_text=True)
    return client.post(f"{akte(reference)}/dokument/{document_id}/{action}",
                       data={"csrf_token": csrf_token_of(page)}, follow_redirects=True)


def test_the_case_page_links_the_akte_which_lists_the_documents_and_filters_them(app: Flask) -> None:
    reference, aktenzeichen, _ = filed_case(app)
    client = clerk(app, "k.meier")

    case_page = html.fromstring(client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    [link] = case_page.xpath("//a[starts-with(normalize-space(.), 'Akte ')]")
    assert link.get("href") == akte(reference) and link.text_content() == f"Akte {aktenzeichen}"

    page = text_of(client.get(akte(reference)))
    assert f"eAkte {aktenzeichen}" in page and "Nachweis.pdf" in page and "Foto.png" in page
    assert "Hund zur Hundesteuer anmelden" in page and "10 Jahre nach Abschluss" in page
    only_images = text_of(client.get(akte(reference) + "?art=bild"))
    assert "Foto.png" in only_images and "Nachweis.pdf" not in only_images
    by_name = text_of(client.get(akte(reference) + "?name=nachw"))
    assert "Nachweis.pdf" in by_name and "Foto.png" not in by_name
    assert "Kein Dokument passt zum Filter." in text_of(client.get(akte(reference) + "?eingang=generated"))
    # A filter value that is not offered is no filter.
    assert "Foto.png" in text_of(client.get(akte(reference) + "?art=%3Cscript%3E&eingang=x"))


def test_a_new_version_is_kept_beside_the_old_one_and_shows_in_the_documents_history(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    client = clerk(app, "k.meier")

    done = upload(client, reference, ids["Nachweis.pdf"], PDF + b"% korrigiert\n", "Nachweis-korrigiert.pdf")

    page = text_of(done)
    assert "Version 2 von „Nachweis-korrigiert.pdf“ gespeichert." in page
    assert "Version 2 vom" in page and "Neue Version hochgeladen (Version 2)" in page
    first = client.get(f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}/version/1")
    second = client.get(f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}/version/2")
    assert first.data == PDF and second.data == PDF + b"% korrigiert\n"
    assert client.get(f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}/version/3").status_code == 404


def test_a_document_another_clerk_checked_out_refuses_a_new_version_in_german_and_english(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    holder, other = clerk(app, "k.meier"), clerk(app, "l.schulz")
    document = ids["Nachweis.pdf"]
    assert "Sie haben das Dokument ausgecheckt." in text_of(post(holder, reference, document, "auschecken"))

    refused = text_of(upload(other, reference, document, PDF + b"% anders\n", "anders.pdf"))
    assert re.search(r"„Nachweis.pdf“ ist seit \d\d\.\d\d\.\d{4}, \d\d:\d\d MES?Z von k\.meier ausgecheckt\. "
                     r"Bitte warten Sie, bis das Dokument wieder eingecheckt ist\.", refused)
    other.get("/sprache/en")
    refused_en = text_of(upload(other, reference, document, PDF + b"% anders\n", "anders.pdf"))
    assert "has been checked out by k.meier since" in refused_en
    assert "Einchecken" not in text_of(other.get(f"{akte(reference)}/dokument/{document}"))
    with in_town(app, TOWN):
        assert len(db.session.get(Document, document).versions) == 1

    assert "Version 2" in text_of(upload(holder, reference, document, PDF + b"% neu\n", "neu.pdf"))
    assert "Das Dokument ist wieder eingecheckt." in text_of(post(holder, reference, document, "einchecken"))


def test_pdfs_and_images_are_shown_inline_anything_else_is_only_downloaded(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    client = clerk(app, "k.meier")
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        note = store_upload(io.BytesIO(TEXT), "Vermerk.txt", accept=["txt"], max_bytes=4096, case_id=case.id)
        db.session.commit()
        note_id = note.id

    preview = client.get(f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}/version/1/ansicht")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    image = client.get(f"{akte(reference)}/dokument/{ids['Foto.png']}").get_data(as_text=True)
    # An image is shown on its page itself, so that opening the page is the one access logged.
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in image
    assert client.get(f"{akte(reference)}/dokument/{note_id}/version/1/ansicht").status_code == 404
    download = client.get(f"{akte(reference)}/dokument/{note_id}/version/1")
    assert download.headers["Content-Disposition"].startswith("attachment;") and download.data == TEXT


def test_the_whole_vorgang_comes_as_a_zip_whose_files_match_their_checksums(app: Flask) -> None:
    reference, aktenzeichen, ids = filed_case(app)
    client = clerk(app, "k.meier")
    upload(client, reference, ids["Nachweis.pdf"], PDF + b"% v2\n", "Nachweis.pdf")

    response = client.get(f"{akte(reference)}/vorgang.zip")

    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=Vorgang-{aktenzeichen.replace('/', '_')}.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        listing = list(csv.DictReader(io.StringIO(package.read("inhalt.csv").decode())))
        assert sorted(row["datei"] for row in listing) == [
            "01-Nachweis.pdf", "02-Foto.png", "fruehere-versionen/01-v1-Nachweis.pdf"]
        for row in listing:
            assert hashlib.sha256(package.read(row["datei"])).hexdigest() == row["sha256"]
        assert package.read("01-Nachweis.pdf") == PDF + b"% v2\n"


def test_the_akte_lists_who_opened_what(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    reader = clerk(app, "l.schulz")
    reader.get(f"{akte(reference)}/dokument/{ids['Foto.png']}")
    reader.get(f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}/version/1/ansicht")
    reader.get(f"{akte(reference)}/vorgang.zip")

    trail = text_of(clerk(app, "k.meier").get(akte(reference)))

    assert "l.schulz: Vorschau angesehen: Nachweis.pdf (Version 1)" in trail
    assert "l.schulz: Dokument geöffnet: Foto.png (Version 1)" in trail
    assert "l.schulz: Vorgang als ZIP heruntergeladen" in trail and "k.meier: eAkte geöffnet" in trail


@pytest.mark.parametrize("suffix", ["", "/dokument/{id}", "/dokument/{id}/version/1",
                                    "/dokument/{id}/version/1/ansicht", "/vorgang.zip"])
def test_every_akte_url_is_a_404_on_another_towns_host(app: Flask, suffix: str) -> None:
    reference, _, ids = filed_case(app)
    url = akte(reference) + suffix.format(id=ids["Nachweis.pdf"])
    assert clerk(app, "k.meier").get(url).status_code == 200

    assert clerk(app, "sb-schmitten", "schmitten").get(url).status_code == 404


def test_changes_on_another_towns_host_are_a_404_and_change_nothing(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    document = ids["Nachweis.pdf"]
    foreign = clerk(app, "sb-schmitten", "schmitten")
    token = csrf_token_of(foreign.get("/sachbearbeitung/").get_data(as_text=True))
    for action, data in (("version", {"datei": (io.BytesIO(PDF), "x.pdf")}), ("auschecken", {}), ("einchecken", {})):
        response = foreign.post(f"{akte(reference)}/dokument/{document}/{action}", content_type="multipart/form-data",
                                data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    with in_town(app, TOWN):
        stored = db.session.get(Document, document)
        assert len(stored.versions) == 1 and stored.locked_at is None


def test_a_case_not_filed_has_no_akte(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    client = clerk(app, "k.meier")
    assert "Akte " not in text_of(client.get(f"/sachbearbeitung/vorgang/{reference}"))
    assert client.get(akte(reference)).status_code == 404


def _page_cost(app: Flask, client, url: str) -> tuple[int, int]:
    """(SQL statements, bytes) of one page."""
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args) -> None:
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), len(response.data)


def test_a_hundred_opens_by_one_clerk_are_one_entry_of_the_trail_and_cost_the_page_nothing(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    reader, lead = clerk(app, "l.schulz"), clerk(app, "k.meier")
    document = f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}"
    reader.get(document)
    reader.get(f"{document}/version/1/ansicht")
    lead.get(akte(reference))
    lead.get(document)
    before = _page_cost(app, lead, akte(reference))
    history_before = _page_cost(app, lead, document)

    for _ in range(100):
        reader.get(document)
        reader.get(f"{document}/version/1/ansicht")

    with in_town(app, TOWN):
        case = case_by_reference(reference)
        logged = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id),
            AuditEvent.actor == "l.schulz")).all()
    assert sorted(logged) == ["document.previewed", "document.viewed"]
    trail = text_of(lead.get(akte(reference)))
    assert trail.count("l.schulz: Dokument geöffnet: Nachweis.pdf") == 1
    assert trail.count("l.schulz: Vorschau angesehen: Nachweis.pdf") == 1
    assert _page_cost(app, lead, akte(reference)) == before
    assert _page_cost(app, lead, document) == history_before


def trail_entries(page) -> list[str]:
    return [" ".join(item.text_content().split()) for item in page.xpath("//ol[contains(@class, 'eakte-trail')]/li")]


def test_the_trail_is_paged_newest_first(app: Flask) -> None:
    reference, _, ids = filed_case(app)
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        for day in range(45):
            db.session.add(AuditEvent(actor=f"leser-{day:02d}", action="document.viewed", object_type="case",
                                      object_id=str(case.id), occurred_at=start + timedelta(days=day),
                                      details={"document": ids["Foto.png"], "version": 1}))
        db.session.commit()
    client = clerk(app, "k.meier")

    first = html.fromstring(client.get(akte(reference)).get_data(as_text=True))
    entries = trail_entries(first)
    assert len(entries) == 20 and "k.meier: eAkte geöffnet" in entries[0] and "leser-44" in entries[1]
    [older] = first.xpath("//a[normalize-space(.)='Ältere Zugriffe']")
    second = html.fromstring(client.get(older.get("href")).get_data(as_text=True))
    entries = trail_entries(second)
    assert len(entries) == 20 and "leser-25" in entries[0] and "leser-06" in entries[-1]
    assert second.xpath("//a[normalize-space(.)='Neueste Zugriffe']")
    history = html.fromstring(client.get(f"{akte(reference)}/dokument/{ids['Foto.png']}").get_data(as_text=True))
    assert len(history.xpath("//section[@aria-labelledby='geschichte']//li")) == 20
    assert history.xpath("//a[normalize-space(.)='Ältere Einträge']")
    # Another town's clerk gets no page of it.
    assert clerk(app, "sb-schmitten", "schmitten").get(older.get("href")).status_code == 404
