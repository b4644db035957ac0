"""Uploads are typed by content, limited, named safely and stored atomically — or not at all."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from amtsweg.documents.models import Document
from amtsweg.documents.services import UploadRejected, remove_unlinked_uploads, store_upload
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import select

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def _files(app) -> list[Path]:
    root = Path(app.instance_path) / "documents"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def town(app):
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")) as info:
        yield info


def test_a_pdf_is_stored_with_its_checksum_under_the_towns_folder(app, town):
    document = store_upload(io.BytesIO(PDF), "Nachweis Hund.pdf", accept=["pdf"], max_bytes=1024 * 1024)
    db.session.commit()
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.storage_key.startswith("schmitten/")
    with get_storage().open(document.storage_key) as stored:
        assert stored.read() == PDF
    assert [p.name for p in _files(app)] == [document.storage_key.rsplit("/", 1)[1]]


@pytest.mark.parametrize(
    ("content", "name", "accept", "message"),
    [
        pytest.param(EXECUTABLE, "rechnung.pdf", ["pdf"], "Der Inhalt der Datei passt nicht", id="exe-as-pdf"),
        pytest.param(SVG, "bild.svg", ["png", "jpeg"], "Der Inhalt der Datei passt nicht", id="svg"),
        pytest.param(SVG, "bild.png", ["png"], "Der Inhalt der Datei passt nicht", id="svg-as-png"),
        pytest.param(_zip_bomb(), "antrag.docx", ["docx", "pdf"], "Der Inhalt der Datei passt nicht", id="zip-bomb"),
        pytest.param(b"", "leer.pdf", ["pdf"], "Die Datei ist leer", id="empty"),
        pytest.param(PDF, "../../etc/passwd.pdf", ["pdf"], "Der Dateiname ist nicht zulässig", id="dotdot"),
        pytest.param(PDF, "ordner\\datei.pdf", ["pdf"], "Der Dateiname ist nicht zulässig", id="backslash"),
        pytest.param(PDF * 4000, "gross.pdf", ["pdf"], "Die Datei ist zu groß", id="too-large"),
    ],
)
def test_bad_files_are_refused_with_a_german_message_and_nothing_is_kept(app, town, content, name, accept, message):
    with pytest.raises(UploadRejected, match=message):
        store_upload(io.BytesIO(content), name, accept=accept, max_bytes=100 * 1024)
    db.session.commit()
    assert db.session.scalars(select(Document)).all() == []
    assert _files(app) == []


def test_uploads_that_belong_to_nothing_are_removed_after_a_day(app, town):
    document = store_upload(io.BytesIO(PDF), "a.pdf", accept=["pdf"], max_bytes=1024)
    db.session.commit()
    assert remove_unlinked_uploads() == 0
    document.created_at = document.created_at.replace(year=2000)
    db.session.commit()
    assert remove_unlinked_uploads() == 1
    assert db.session.scalars(select(Document)).all() == [] and _files(app) == []


def test_another_towns_documents_are_invisible(app):
    with app.app_context():
        with tenant_context(tenant_info(app, "schmitten")):
            store_upload(io.BytesIO(PDF), "a.pdf", accept=["pdf"], max_bytes=1024)
            db.session.commit()
        with tenant_context(tenant_info(app, "usingen")):
            assert db.session.scalars(select(Document)).all() == []
