"""Outbox mail through a real Redis, a real RQ worker process and a real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from amtsweg.extensions import db
from amtsweg.notifications import services, tasks
from amtsweg.notifications.models import DELIVERED, OutboxMessage
from amtsweg.tenancy.context import tenant_context
from conftest import tenant_info, town_client
from flask import Flask
from rq import Queue
from rq.job import JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import select, update
from support.app_worker import app_workers, service_settings, worker_environment
from support.process import free_port

CONTEXT = {
    "reference": "NA-2026-000007",
    "process_title": "Hallenbelegung",
    "status_url": "http://x/vorgang/t",
    "submitted_on": "24.11.2026",
    "fee": "",
}


@pytest.fixture
def app_overrides(redis_server: Any, smtp_server: Any) -> dict[str, Any]:
    return service_settings(redis_server, smtp_server)


@pytest.fixture
def start_worker(app: Flask, redis_server: Any, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Start the app's own worker command on the mail queue, with the test's database."""
    with app_workers(redis_server, worker_environment(app.config, tmp_path), ["mail"]) as start:
        yield start


def queue_mail_and_commit(app: Flask, slug: str = "neu-anspach") -> int:
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        message = services.queue_mail(to="buergerin@example.org", template="eingangsbestaetigung", context=CONTEXT)
        db.session.commit()
        return message.id


def outbox_row(app: Flask, message_id: int, slug: str = "neu-anspach") -> OutboxMessage:
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
        db.session.expunge(row)
        return row


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def kill_worker_mid_job(start_worker: Callable[[], Any], job: Any, app: Flask, message_id: int,
                        slug: str = "neu-anspach") -> None:
    """Start a worker and SIGKILL it while ``job`` runs: an open transaction that has written the
    outbox row (SQLite's write lock, PostgreSQL's row lock) holds the job at its first write
    (claiming that row), so it is reliably mid-flight when killed."""
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(attempts=OutboxMessage.attempts))
        worker = start_worker()
        wait_until(lambda: job.get_status(refresh=True) == JobStatus.STARTED, timeout=4)
        worker.kill()
        db.session.rollback()


def sweep_as_of(app: Flask, row: OutboxMessage) -> int:
    with app.app_context():
        return tasks.sweep(now=row.next_attempt_at)


def test_mail_arrives_exactly_once_even_when_its_job_runs_twice(app: Flask, smtp_server: Any, start_worker: Any,
                                                                redis_server: Any) -> None:
    message_id = queue_mail_and_commit(app)
    # RQ is at-least-once: put a second copy of the delivery on the queue before any worker runs.
    queue = Queue("mail", connection=redis_server.client(), serializer=JSONSerializer)
    [job] = queue.get_jobs()
    queue.enqueue_call(job.func_name, args=job.args, job_id="duplicate-delivery")

    start_worker()

    [message] = smtp_server.wait_for(1)
    wait_until(lambda: queue.count == 0 and queue.started_job_registry.count == 0)
    time.sleep(0.5)
    assert len(smtp_server.received) == 1
    assert message["Subject"] == "Eingangsbestätigung: Ihr Antrag NA-2026-000007"
    row = outbox_row(app, message_id)
    assert row.status == DELIVERED and row.message_id == message["Message-ID"]


def test_worker_killed_mid_job_delivers_once_after_restart(app: Flask, smtp_server: Any, start_worker: Any,
                                                           redis_server: Any, tmp_path: Path) -> None:
    message_id = queue_mail_and_commit(app)
    queue = Queue("mail", connection=redis_server.client(), serializer=JSONSerializer)
    [job] = queue.get_jobs()
    kill_worker_mid_job(start_worker, job, app, message_id)
    assert smtp_server.received == []

    start_worker()
    # RQ re-runs the abandoned job itself or the sweeper schedules the row again, whichever is first.
    sweep_as_of(app, outbox_row(app, message_id))

    smtp_server.wait_for(1)
    time.sleep(1)
    assert len(smtp_server.received) == 1
    assert outbox_row(app, message_id).status == DELIVERED


def test_mail_stays_pending_while_smtp_is_down_and_is_delivered_later(app: Flask, smtp_server: Any,
                                                                       start_worker: Any) -> None:
    start_worker()
    with smtp_server.down():
        message_id = queue_mail_and_commit(app)
        wait_until(lambda: outbox_row(app, message_id).last_error is not None)
        row = outbox_row(app, message_id)
        assert row.status == "pending" and row.attempts == 1
        assert "Connection refused" in (row.last_error or "") or "Errno" in (row.last_error or "")

    assert sweep_as_of(app, row) == 1
    smtp_server.wait_for(1)
    time.sleep(0.5)
    assert len(smtp_server.received) == 1
    assert outbox_row(app, message_id).status == DELIVERED


def test_request_succeeds_while_redis_is_down_and_healthz_reports_it(app: Flask) -> None:
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    app.config["REDIS_TIMEOUT"] = 0.5

    @app.route("/test-outbox")
    def write_outbox() -> str:
        message = services.queue_mail(to="a@example.org", template="eingangsbestaetigung", context=CONTEXT)
        db.session.commit()
        return str(message.id)

    response = town_client(app, "usingen").get("/test-outbox")

    assert response.status_code == 200
    row = outbox_row(app, int(response.text), "usingen")
    assert row.status == "pending" and row.attempts == 0
    health = town_client(app, "usingen").get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "degraded", "checks": {"database": "ok", "redis": "unreachable"}}
