"""Integrity of stored documents on both stores: re-hashing finds missing and altered contents,
the sweep removes orphaned objects, and a store that fails while writing leaves nothing behind."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from amtsweg.documents.integrity import clean_staging, sweep, verify
from amtsweg.documents.models import Document, IntegrityFinding
from amtsweg.documents.services import UploadRejected, store_upload
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.jobs import schedule
from casefiles import PDF, documents_of, in_town, make_case, stored_keys
from flask import Flask
from sqlalchemy import select
from support.s3_server import S3Server

TOWN = "schmitten"
PROCESS = "hundesteuer-anmelden"


def overwrite(app: Flask, key: str, content: bytes) -> None:
    """Change a stored content behind the app's back (a disk error, a tampering admin)."""
    if app.config["DOCUMENTS_BACKEND"] == "s3":
        with app.app_context():
            get_storage().client.put_object(Bucket=app.config["DOCUMENTS_S3_BUCKET"], Key=key, Body=content)
    else:
        (Path(app.instance_path) / "documents" / key).write_bytes(content)


class TestOnBothStores:
    @pytest.fixture
    def app_overrides(self, storage_backend: dict[str, Any]) -> dict[str, Any]:
        return storage_backend

    def test_verify_records_an_altered_and_a_missing_document_until_they_are_intact_again(self, app: Flask) -> None:
        reference = make_case(app, TOWN, PROCESS, files={"a.pdf": PDF, "b.pdf": PDF + b"% b\n"})
        with in_town(app, TOWN):
            altered, missing = (document.storage_key for document in documents_of(reference))
        overwrite(app, altered, b"%PDF-1.4 manipuliert")
        with in_town(app, TOWN):
            get_storage().delete(missing)

        result = app.test_cli_runner().invoke(args=["documents", "verify", "--town", TOWN, "--all"])

        assert result.exit_code == 1
        assert f"{TOWN} {altered}: mismatch" in result.output and f"{TOWN} {missing}: missing" in result.output
        assert f"{TOWN}: 2 versions checked, 2 problems, 0 resolved" in result.output
        with in_town(app, TOWN):
            findings = {f.storage_key: (f.problem, f.resolved_at) for f in db.session.scalars(select(IntegrityFinding))}
        assert findings == {altered: ("mismatch", None), missing: ("missing", None)}

        overwrite(app, altered, PDF)
        overwrite(app, missing, PDF + b"% b\n")
        with in_town(app, TOWN):
            report = verify(0)
            assert (report.checked, report.problems, report.resolved) == (2, [], 2)
            assert all(f.resolved_at is not None for f in db.session.scalars(select(IntegrityFinding)))

    def test_verify_checks_a_sample_when_asked(self, app: Flask) -> None:
        make_case(app, TOWN, PROCESS, files={"a.pdf": PDF, "b.pdf": PDF, "c.pdf": PDF})
        with in_town(app, TOWN):
            assert verify(2).checked == 2
            assert verify(0).checked == 3

    def test_an_object_left_by_a_failed_transaction_is_swept_after_the_grace_period(self, app: Flask) -> None:
        reference = make_case(app, TOWN, PROCESS)
        with in_town(app, TOWN):
            kept = documents_of(reference)[0].storage_key
            orphan = store_upload(io.BytesIO(PDF), "verloren.pdf", accept=["pdf"], max_bytes=4096).storage_key
            db.session.rollback()  # the upload's transaction never commits
            assert db.session.scalars(select(Document).filter_by(storage_key=orphan)).first() is None
        assert stored_keys(app) == {kept, orphan}

        with in_town(app, TOWN):
            assert sweep(timedelta(hours=1)).removed == []  # too young: it may be committing right now
            assert sweep(timedelta(0)).removed == [orphan]
        assert stored_keys(app) == {kept}

    def test_stale_staging_files_are_removed(self, app: Flask) -> None:
        with app.app_context():
            staging = get_storage().staging_dir()
            stale, fresh = staging / "upload-stale", staging / "upload-fresh"
            stale.write_bytes(b"half an upload")
            fresh.write_bytes(b"arriving")
            old = time.time() - 3 * 24 * 3600
            os.utime(stale, (old, old))

            assert clean_staging(timedelta(hours=24)) == 1
        assert not stale.exists() and fresh.exists()


@pytest.fixture
def own_s3() -> Iterator[S3Server]:
    """An S3 endpoint of this test alone, so that it can be stopped."""
    server = S3Server()
    server.start()
    yield server
    server.stop()


class TestStoreFailing:
    @pytest.fixture
    def app_overrides(self, own_s3: S3Server, tmp_path: Path) -> dict[str, Any]:
        return own_s3.app_settings(own_s3.create_bucket(), tmp_path / "staging")

    def test_an_upload_while_the_object_store_is_down_is_refused_and_leaves_nothing(self, app: Flask,
                                                                                   own_s3: S3Server) -> None:
        reference = make_case(app, TOWN, PROCESS)
        own_s3.stop()

        with in_town(app, TOWN), pytest.raises(UploadRejected) as refused:
            store_upload(io.BytesIO(PDF), "Nachreichung.pdf", accept=["pdf"], max_bytes=4096, case_id=1)

        assert str(refused.value) == ("Die Datei konnte gerade nicht gespeichert werden. Bitte versuchen Sie es "
                                      "später erneut.")
        with in_town(app, TOWN):
            db.session.rollback()
            assert [d.filename for d in db.session.scalars(select(Document))] == ["Nachweis Quast.pdf"]
            assert [path.name for path in get_storage().staging_dir().iterdir()] == []
            assert len(documents_of(reference)) == 1


def test_an_upload_the_disk_cannot_take_is_refused_and_leaves_nothing(app: Flask) -> None:
    root = Path(app.instance_path) / "documents"
    # The folder the key needs is a file: the filesystem itself refuses (as root, unlike a chmod).
    (root / TOWN).mkdir(parents=True)
    (root / TOWN / f"{datetime.now(UTC):%Y}").write_bytes(b"")

    with in_town(app, TOWN), pytest.raises(UploadRejected, match="nicht gespeichert werden"):
        store_upload(io.BytesIO(PDF), "Nachweis.pdf", accept=["pdf"], max_bytes=4096)

    with in_town(app, TOWN):
        db.session.rollback()
        assert db.session.scalars(select(Document)).all() == []
    assert [p.name for p in (root / ".staging").iterdir()] == []


def test_the_daily_jobs_verify_and_sweep_through_the_scheduler(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    with in_town(app, TOWN):
        key = documents_of(reference)[0].storage_key
    overwrite(app, key, b"kaputt")
    jobs = [job for job in schedule.discover() if job.name in ("documents.verify", "documents.sweep")]

    enqueued = schedule.Scheduler(app, jobs).tick(datetime(2026, 12, 4, 3, 40, tzinfo=UTC))

    assert enqueued == ["periodic-documents_sweep-20261204T0335", "periodic-documents_verify-20261204T0315"]
    with in_town(app, TOWN):
        [finding] = db.session.scalars(select(IntegrityFinding)).all()
    assert (finding.storage_key, finding.problem) == (key, "mismatch")
