"""Virus scanning with a real clamd (started with a locally built test signature)."""

from __future__ import annotations

import io
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from amtsweg.documents.models import Document
from amtsweg.documents.scanning import ScanUnavailable, scan_file
from amtsweg.documents.services import UploadRejected, store_upload
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import select
from support.process import ServiceProcess, free_port
from support.services import unavailable

MARKER = b"AMTSWEG-TEST-SIGNATURE-7f3a9c"
CLEAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INFECTED = b"%PDF-1.4\n% " + MARKER + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pong(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    executable = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)
    if executable is None:
        unavailable("clamd is not installed (Debian package 'clamav-daemon')")
    folder = tmp_path_factory.mktemp("clamd")
    (folder / "db").mkdir()
    # An extended signature (name:target:offset:hex) matching only our marker; no public database needed.
    (folder / "db" / "amtsweg-test.ndb").write_text(f"Amtsweg.Test.Signature:0:*:{MARKER.hex()}\n")
    port = free_port()
    config = folder / "clamd.conf"
    config.write_text(
        f"Foreground yes\nDatabaseDirectory {folder / 'db'}\nTCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"TemporaryDirectory {folder}\nPidFile {folder / 'clamd.pid'}\nLogFile {folder / 'clamd-own.log'}\n"
    )
    service = ServiceProcess("clamd", [executable, "--config-file", str(config)], folder / "clamd.log")
    service.start()
    try:
        service.wait_until(lambda: _pong(("127.0.0.1", port)), timeout=60)
        yield f"127.0.0.1:{port}"
    finally:
        service.stop()


def test_clamd_finds_the_test_signature_and_passes_clean_files(clamd, tmp_path):
    infected, clean = tmp_path / "infected.pdf", tmp_path / "clean.pdf"
    infected.write_bytes(INFECTED)
    clean.write_bytes(CLEAN)
    assert scan_file(infected, clamd) == "Amtsweg.Test.Signature.UNOFFICIAL"
    assert scan_file(clean, clamd) is None


def test_an_infected_upload_is_refused_and_not_stored(app, clamd):
    app.config["CLAMD_ADDRESS"] = clamd
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        with pytest.raises(UploadRejected, match="Schadsoftware"):
            store_upload(io.BytesIO(INFECTED), "scan.pdf", accept=["pdf"], max_bytes=1024 * 1024)
        clean = store_upload(io.BytesIO(CLEAN), "scan.pdf", accept=["pdf"], max_bytes=1024 * 1024)
        db.session.commit()
        assert db.session.scalars(select(Document)).all() == [clean]


def test_an_unreachable_scanner_refuses_uploads(app, tmp_path):
    app.config["CLAMD_ADDRESS"] = f"127.0.0.1:{free_port()}"
    with (
        app.app_context(),
        tenant_context(tenant_info(app, "usingen")),
        pytest.raises(UploadRejected, match="nicht auf Schadsoftware geprüft"),
    ):
        store_upload(io.BytesIO(CLEAN), "scan.pdf", accept=["pdf"], max_bytes=1024 * 1024)
    sample = tmp_path / "a.pdf"
    sample.write_bytes(CLEAN)
    with pytest.raises(ScanUnavailable):
        scan_file(sample, f"127.0.0.1:{free_port()}")
