"""A citizen's submission through the web form, with a real Redis, the app's own RQ worker process and a
real SMTP server: the confirmation mail arrives exactly once, also after a killed worker or an SMTP outage."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import test_rq_delivery
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.notifications.models import DELIVERED, PENDING, OutboxMessage
from amtsweg.tenancy.context import tenant_context
from cases.applying import PERSON, fill_all_steps, submit
from conftest import tenant_info, town_client
from flask import Flask
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import select
from test_rq_delivery import kill_worker_mid_job, outbox_row, sweep_as_of, wait_until

# The app's Redis/SMTP settings and its worker process are those of the queue_mail delivery tests.
app_overrides = test_rq_delivery.app_overrides
start_worker = test_rq_delivery.start_worker
TOWN = "neu-anspach"


def submit_application(app: Flask) -> tuple[str, int]:
    """Apply for the dog tax as a citizen in the browser would; returns the case's reference and
    the id of its confirmation mail in the outbox."""
    client = town_client(app, TOWN)
    fill_all_steps(client)
    response = submit(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context(), tenant_context(tenant_info(app, TOWN)):
        reference = db.session.scalars(select(Case.reference)).one()
        message_id = db.session.scalars(select(OutboxMessage.id)).one()
    return reference, message_id


def mail_queue(redis_server: Any) -> Queue:
    return Queue("mail", connection=redis_server.client(), serializer=JSONSerializer)


def assert_exactly_one_confirmation(smtp_server: Any, reference: str) -> None:
    [message] = smtp_server.wait_for(1)
    time.sleep(1)  # a second delivery, if there were one, would arrive now
    assert len(smtp_server.received) == 1
    assert message["To"] == PERSON["email"]
    assert message["Subject"] == f"Eingangsbestätigung: Ihr Antrag {reference}"


def test_submission_queues_the_confirmation_in_redis_instead_of_sending_it_in_the_request(
    app: Flask, smtp_server: Any, redis_server: Any
) -> None:
    reference, message_id = submit_application(app)

    [job] = mail_queue(redis_server).get_jobs()
    assert job.func_name == "amtsweg.jobs.runner.execute"
    assert job.args == ["amtsweg.notifications.tasks.deliver", tenant_info(app, TOWN).id, [message_id]]
    row = outbox_row(app, message_id, TOWN)
    assert row.status == PENDING and row.attempts == 0 and reference
    assert smtp_server.received == []


def test_submitted_cases_confirmation_arrives_once_through_the_worker(
    app: Flask, smtp_server: Any, start_worker: Any, redis_server: Any
) -> None:
    start_worker()

    reference, message_id = submit_application(app)

    assert_exactly_one_confirmation(smtp_server, reference)
    queue = mail_queue(redis_server)
    wait_until(lambda: queue.count == 0 and queue.started_job_registry.count == 0)
    assert outbox_row(app, message_id, TOWN).status == DELIVERED


def test_worker_killed_while_delivering_the_confirmation_delivers_it_once_after_restart(
    app: Flask, smtp_server: Any, start_worker: Any, redis_server: Any, tmp_path: Path
) -> None:
    reference, message_id = submit_application(app)
    [job] = mail_queue(redis_server).get_jobs()
    kill_worker_mid_job(start_worker, job, app, message_id, TOWN)
    assert smtp_server.received == []

    start_worker()
    # RQ re-runs the abandoned job itself or the sweeper schedules the row again, whichever is first.
    sweep_as_of(app, outbox_row(app, message_id, TOWN))

    assert_exactly_one_confirmation(smtp_server, reference)
    assert outbox_row(app, message_id, TOWN).status == DELIVERED


def test_confirmation_stays_pending_while_smtp_is_down_and_arrives_once_afterwards(
    app: Flask, smtp_server: Any, start_worker: Any
) -> None:
    start_worker()
    with smtp_server.down():
        reference, message_id = submit_application(app)
        wait_until(lambda: outbox_row(app, message_id, TOWN).last_error is not None)
        row = outbox_row(app, message_id, TOWN)
        assert row.status == PENDING and row.attempts == 1

    assert sweep_as_of(app, row) == 1

    assert_exactly_one_confirmation(smtp_server, reference)
    assert outbox_row(app, message_id, TOWN).status == DELIVERED
