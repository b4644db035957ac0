"""The receipt (Eingangsbestätigung) of a submission with a real Redis and the app's own RQ worker
process: the submit request renders no PDF, the citizen can download the receipt at once, and the
worker files it exactly once, also when its job runs twice or its worker is killed mid-job."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_rq_delivery
from amtsweg.cases import receipts, tasks
from amtsweg.cases.models import Case
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from casefiles import in_town, read_stored
from cases.applying import fill_all_steps, submit
from conftest import tenant_info, town_client
from flask import Flask
from pytest import MonkeyPatch
from rq import Queue
from rq.job import JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import select, update
from support.app_worker import app_workers, worker_environment
from test_rq_delivery import wait_until

app_overrides = test_rq_delivery.app_overrides
TOWN = "neu-anspach"


@pytest.fixture
def start_worker(app: Flask, redis_server: Any, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Start the app's own worker command on the documents queue, with the test's database."""
    with app_workers(redis_server, worker_environment(app.config, tmp_path), ["documents"]) as start:
        yield start


def documents_queue(redis_server: Any) -> Queue:
    return Queue("documents", connection=redis_server.client(), serializer=JSONSerializer)


def apply(app: Flask) -> str:
    """Apply for the dog tax as a citizen in the browser would; returns the status link."""
    client = town_client(app, TOWN)
    fill_all_steps(client)
    response = submit(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)


def the_case(app: Flask) -> Case:
    with in_town(app, TOWN):
        case = db.session.scalars(select(Case)).one()
        db.session.expunge(case)
        return case


def filed_receipts(app: Flask) -> list[Document]:
    with in_town(app, TOWN):
        found = list(db.session.scalars(select(Document).filter_by(kind=receipts.KIND)))
        db.session.expunge_all()
        return found


def test_the_submit_request_renders_no_receipt_and_the_worker_files_it_once_though_its_job_runs_twice(
    app: Flask, redis_server: Any, start_worker: Any, monkeypatch: MonkeyPatch
) -> None:
    renders: list[str] = []
    render = receipts.render_pdf
    monkeypatch.setattr(receipts, "render_pdf", lambda page: renders.append(page) or render(page))

    link = apply(app)

    assert renders == []
    case = the_case(app)
    assert case.status == "submitted" and case.receipt_due is True and filed_receipts(app) == []
    queue = documents_queue(redis_server)
    [job] = queue.get_jobs()
    assert job.args == ["amtsweg.cases.receipts.file_due_receipt", tenant_info(app, TOWN).id, [case.id]]
    # The citizen's download does not wait for the worker: rendered on demand, filed by nobody.
    early = town_client(app, TOWN).get(f"{link}/eingangsbestaetigung.pdf")
    assert early.status_code == 200 and early.data.startswith(b"%PDF") and len(renders) == 1
    assert filed_receipts(app) == []
    # RQ is at-least-once: a second copy of the job waits beside the first.
    queue.enqueue_call(job.func_name, args=job.args, job_id="duplicate-receipt")

    start_worker()

    wait_until(lambda: queue.count == 0 and queue.started_job_registry.count == 0 and len(filed_receipts(app)) == 1)
    time.sleep(1)  # a second filing, if there were one, would be stored now
    [receipt] = filed_receipts(app)
    assert receipt.filename == f"Eingangsbestaetigung-{case.reference}.pdf" and receipt.case_id == case.id
    assert the_case(app).receipt_due is False
    # From now on the citizen downloads the filed receipt.
    assert town_client(app, TOWN).get(f"{link}/eingangsbestaetigung.pdf").data == read_stored(app, receipt.storage_key)


def test_a_receipt_whose_worker_is_killed_mid_job_stays_due_and_is_filed_once_after_the_sweep(
    app: Flask, redis_server: Any, start_worker: Any
) -> None:
    apply(app)
    case = the_case(app)
    [job] = documents_queue(redis_server).get_jobs()
    with in_town(app, TOWN):
        # Holding the case's row (SQLite's write lock, PostgreSQL's row lock) stops the job at its
        # claim of the receipt, so it is reliably mid-flight when killed.
        db.session.execute(update(Case).where(Case.id == case.id).values(receipt_due=Case.receipt_due))
        worker = start_worker()
        wait_until(lambda: job.get_status(refresh=True) == JobStatus.STARTED, timeout=4)
        worker.kill()
        db.session.rollback()
    assert the_case(app).receipt_due is True and filed_receipts(app) == []

    start_worker()
    # RQ re-runs the abandoned job itself or the sweep enqueues it again, whichever is first.
    with app.app_context():
        tasks.sweep_receipts(now=case.submitted_at + receipts.SWEEP_GRACE + timedelta(seconds=1))

    wait_until(lambda: len(filed_receipts(app)) == 1)
    time.sleep(1)
    assert len(filed_receipts(app)) == 1 and the_case(app).receipt_due is False
