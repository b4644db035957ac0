"""Integrity of stored documents on both stores: re-hashing finds missing and altered contents,
the sweep removes orphaned objects, and a store that fails while writing loses nothing: the
committed upload waits in the staging folder until the staging sweep can store it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from amtsweg.documents.integrity import sweep, verify
from amtsweg.documents.models import Document, IntegrityFinding
from amtsweg.documents.services import new_storage_key, store_upload
from amtsweg.documents.staging import staged_name
from amtsweg.documents.storage import get_storage
from amtsweg.documents.tasks import sweep_staging
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

    def test_a_rolled_back_upload_stores_nothing_and_an_object_without_row_is_swept_after_the_grace_period(
            self, app: Flask) -> None:
        reference = make_case(app, TOWN, PROCESS)
        with in_town(app, TOWN):
            kept = documents_of(reference)[0].storage_key
            store_upload(io.BytesIO(PDF), "verloren.pdf", accept=["pdf"], max_bytes=4096)
            db.session.rollback()  # the upload's transaction never commits
            # An object no row points to (restored from a backup, copied by hand).
            orphan = new_storage_key()
            copy = get_storage().staging_dir() / "copy"
            copy.write_bytes(PDF)
            get_storage().put(orphan, copy)
        assert stored_keys(app) == {kept, orphan}

        with in_town(app, TOWN):
            assert sweep(timedelta(hours=1)).removed == []  # too young: it may be committing right now
            assert sweep(timedelta(0)).removed == [orphan]
        assert stored_keys(app) == {kept}


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

    def test_an_upload_while_the_object_store_is_down_waits_in_staging_until_the_sweep_stores_it(
            self, app: Flask, own_s3: S3Server) -> None:
        reference = make_case(app, TOWN, PROCESS)
        own_s3.stop()

        with in_town(app, TOWN):
            document = store_upload(io.BytesIO(PDF), "Nachreichung.pdf", accept=["pdf"], max_bytes=4096, case_id=1)
            key = document.storage_key
            db.session.commit()  # the store is down when the file should follow the commit

        with in_town(app, TOWN):
            assert sorted(d.filename for d in db.session.scalars(select(Document))) == [
                "Nachreichung.pdf", "Nachweis Quast.pdf"]
            assert [path.name for path in get_storage().staging_dir().iterdir()] == [staged_name(key)]
        own_s3.start()
        own_s3.create_bucket(name=app.config["DOCUMENTS_S3_BUCKET"])
        with in_town(app, TOWN):
            assert sweep_staging(timedelta(0)) == (1, 0)
            assert list(get_storage().staging_dir().iterdir()) == []
            with get_storage().open(key) as stored:
                assert stored.read() == PDF
            assert len(documents_of(reference)) == 2


def test_an_upload_the_disk_cannot_take_waits_in_staging_until_the_disk_can(app: Flask) -> None:
    root = Path(app.instance_path) / "documents"
    # The folder the key needs is a file: the filesystem itself refuses (as root, unlike a chmod).
    (root / TOWN).mkdir(parents=True)
    blocker = root / TOWN / f"{datetime.now(UTC):%Y}"
    blocker.write_bytes(b"")

    with in_town(app, TOWN):
        key = store_upload(io.BytesIO(PDF), "Nachweis.pdf", accept=["pdf"], max_bytes=4096).storage_key
        db.session.commit()

    with in_town(app, TOWN):
        assert [d.storage_key for d in db.session.scalars(select(Document))] == [key]
    assert [p.name for p in (root / ".staging").iterdir()] == [staged_name(key)]
    blocker.unlink()
    with in_town(app, TOWN):
        assert sweep_staging(timedelta(0)) == (1, 0)
        with get_storage().open(key) as stored:
            assert stored.read() == PDF
    assert list((root / ".staging").iterdir()) == []


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
