"""Files follow their transaction: an upload reaches storage only when its row is committed, a
rolled-back one leaves nothing, and the staging sweep finishes moves interrupted after a commit and
removes what killed requests left in the staging folder."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.documents.models import Document
from amtsweg.documents.services import delete_document, store_upload
from amtsweg.documents.staging import staged_name
from amtsweg.documents.storage import get_storage
from amtsweg.documents.tasks import sweep_staging
from amtsweg.extensions import db
from amtsweg.jobs import schedule
from amtsweg.tenancy import tenant_context
from cases.applying import csrf_of, fill_all_steps, submit
from conftest import tenant_info, town_client
from sqlalchemy import select

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOUR = 3600


def _stored(app) -> list[Path]:
    """Files in storage, the staging folder left out."""
    root = Path(app.instance_path) / "documents"
    return [p for p in root.rglob("*") if p.is_file() and ".staging" not in p.parts] if root.exists() else []


def _staging(app) -> list[Path]:
    folder = Path(app.instance_path) / "documents" / ".staging"
    return sorted(folder.iterdir()) if folder.exists() else []


def _age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def town(app):
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")) as info:
        yield info


def test_an_upload_reaches_storage_only_when_its_row_commits(app, town):
    document = store_upload(io.BytesIO(PDF), "nachweis.pdf", accept=["pdf"], max_bytes=1024 * 1024)
    assert _stored(app) == []
    db.session.commit()
    with get_storage().open(document.storage_key) as stored:
        assert stored.read() == PDF
    assert _staging(app) == []


def test_a_rolled_back_upload_leaves_no_file(app, town):
    store_upload(io.BytesIO(PDF), "nachweis.pdf", accept=["pdf"], max_bytes=1024 * 1024)
    db.session.rollback()
    assert _stored(app) == [] and _staging(app) == []


def test_an_upload_deleted_again_before_the_commit_leaves_no_file(app, town):
    document = store_upload(io.BytesIO(PDF), "nachweis.pdf", accept=["pdf"], max_bytes=1024 * 1024)
    delete_document(document)
    db.session.commit()
    assert _stored(app) == [] and _staging(app) == []


def test_a_reply_refused_after_its_upload_leaves_no_file(app):
    client = town_client(app, "schmitten")
    fill_all_steps(client)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.scalars(select(Case)).one()
        db.session.add(CaseMessage(case_id=case.id, author="clerk", kind="information_request", body="Impfpass?"))
        case.status = "waiting_for_citizen"
        db.session.commit()
    second_tab = client.get(link).get_data(as_text=True)
    withdraw = client.get(link + "/zurueckziehen").get_data(as_text=True)
    client.post(link + "/zurueckziehen", data={"csrf_token": csrf_of(withdraw)})
    before = _stored(app)
    response = client.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(second_tab), "nachricht": "Anbei", "dokumente": (io.BytesIO(PDF), "impfpass.pdf")})
    assert response.status_code == 409
    assert _stored(app) == before and _staging(app) == []
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        # Only the receipt filed at submission; no document of the refused reply.
        assert [d.kind for d in db.session.scalars(select(Document))] == ["eingangsbestaetigung"]


def test_the_sweep_finishes_a_move_interrupted_after_the_commit(app, town):
    # What a worker killed between commit and move leaves: the committed row and the staged file.
    key = "schmitten/2026/12/unterbrochen"
    staging = get_storage().staging_dir()
    staged = staging / staged_name(key)
    staged.write_bytes(PDF)
    _age(staged, 2 * HOUR)
    db.session.add(Document(storage_key=key, filename="a.pdf", content_type="application/pdf", size=len(PDF),
                            sha256="0" * 64, source="citizen"))
    db.session.commit()
    assert sweep_staging() == (1, 0)
    with get_storage().open(key) as stored:
        assert stored.read() == PDF
    assert _staging(app) == []


def test_the_sweep_removes_old_leftovers_and_keeps_files_in_flight(app, town):
    staging = get_storage().staging_dir()
    leftovers = [staging / "upload-abgebrochen", staging / staged_name("schmitten/2026/12/ohne-zeile")]
    in_flight = [staging / "upload-laeuft", staging / staged_name("schmitten/2026/12/gleich-fertig")]
    for path in [*leftovers, *in_flight]:
        path.write_bytes(PDF)
    for path in leftovers:
        _age(path, 2 * HOUR)
    assert sweep_staging() == (0, 2)
    assert _staging(app) == sorted(in_flight) and _stored(app) == []


def test_the_staging_sweep_is_a_periodic_job():
    jobs = {job.name: job for job in schedule.discover()}
    assert jobs["documents.staging_sweep"].func_path == "amtsweg.documents.tasks.sweep_staging"
