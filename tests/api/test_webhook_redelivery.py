"""A webhook whose receiver is down arrives later, once, signed and with its event id; repeats are
answered but not taken twice and not sent again; after the last attempt the delivery is marked
failed where the town's administrator sees it. The receiver is a real HTTP server on loopback,
deliveries run in the app's own RQ worker or inline, and the outbox sweeper retries as in production."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from amtsweg.extensions import db
from amtsweg.notifications import tasks, webhooks
from amtsweg.notifications.models import DELIVERED, FAILED, PENDING, OutboxMessage, WebhookDelivery
from amtsweg.tenancy import tenant_context
from api.helpers import api
from conftest import tenant_info
from flask import Flask
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import select
from support.app_worker import app_workers, worker_environment
from support.logins import csrf_token_of, login_as
from support.webhook_receiver import WebhookReceiver, webhook_receiver
from workbench.case_factory import make_case

TOWN = "usingen"
MAX_ATTEMPTS = 3


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"WEBHOOK_ALLOW_LOOPBACK": True, "OUTBOX_MAX_ATTEMPTS": MAX_ATTEMPTS}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


def subscribe(app: Flask, receiver: WebhookReceiver) -> str:
    """The town's subscription to status changes at ``receiver``, which learns the secret."""
    with app.app_context(), tenant_context(tenant_info(app, TOWN)):
        created = webhooks.subscribe("Fachverfahren", receiver.url, ["case.status_changed"], "Test")
        receiver.secret = created.secret
        return created.subscription.id


def change_state(app: Flask) -> None:
    reference = make_case(app, TOWN, 1)
    assert api(app, TOWN).post(f"/cases/{reference}/transitions", json={"transition": "start"}).status_code == 200


def stored(app: Flask) -> tuple[WebhookDelivery, OutboxMessage]:
    """The one delivery and its outbox row as the database holds them now."""
    with app.app_context(), tenant_context(tenant_info(app, TOWN)):
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id == delivery.outbox_message_id)).one()
        db.session.expunge_all()
        return delivery, row


def sweep_as_of(app: Flask, moment: datetime) -> int:
    with app.app_context():
        return tasks.sweep(now=moment)


def naive_utc(moment: datetime | str) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def test_after_the_last_attempt_the_delivery_is_failed_and_shown_so_to_the_towns_administrator(app, client_for,
                                                                                                receiver):
    subscription_id = subscribe(app, receiver)
    receiver.status = 503
    change_state(app)  # the first attempt runs right after the commit

    for attempt in range(1, MAX_ATTEMPTS):
        delivery, row = stored(app)
        assert row.status == PENDING and row.attempts == attempt
        # The next try is stored with the row, 1, 2, 4 … minutes after the attempt.
        tried_at = naive_utc(delivery.attempts[-1]["at"])
        waited = naive_utc(row.next_attempt_at) - tried_at
        assert tasks.backoff(attempt) <= waited <= tasks.backoff(attempt) + timedelta(seconds=2)
        assert sweep_as_of(app, row.next_attempt_at - timedelta(seconds=1)) == 0
        assert sweep_as_of(app, row.next_attempt_at) == 1

    delivery, row = stored(app)
    assert row.status == FAILED and row.attempts == MAX_ATTEMPTS
    assert [attempt["status"] for attempt in delivery.attempts] == [503] * MAX_ATTEMPTS
    assert sweep_as_of(app, datetime.now(UTC) + timedelta(days=30)) == 0
    assert [call.answered for call in receiver.calls] == [503] * MAX_ATTEMPTS
    assert receiver.events == {}
    # The schedule is bounded: never more than six hours between two tries.
    assert max(tasks.backoff(attempts) for attempts in range(1, 100)) == timedelta(hours=6)

    admin = client_for(TOWN)
    login_as(admin, "tenant_admin", username="admin-usingen")
    page = admin.get(f"/verwaltung/api/webhooks/{subscription_id}").get_data(as_text=True)
    assert delivery.event_id in page and "fehlgeschlagen" in page and page.count("HTTP 503") == MAX_ATTEMPTS


class TestThroughTheRqWorker:
    @pytest.fixture
    def app_overrides(self, redis_server: Any) -> dict[str, Any]:
        redis_server.client().flushdb()
        return {"WEBHOOK_ALLOW_LOOPBACK": True, "REDIS_URL": redis_server.url}

    @pytest.fixture
    def queue(self, redis_server: Any) -> Queue:
        return Queue("default", connection=redis_server.client(), serializer=JSONSerializer)

    @pytest.fixture
    def start_worker(self, app: Flask, redis_server: Any, tmp_path: Path) -> Iterator[Callable[[], Any]]:
        """The app's own worker command on the webhooks' queue, with the test's database."""
        env = {**worker_environment(app.config, tmp_path), "AMTSWEG_WEBHOOK_ALLOW_LOOPBACK": "true"}
        with app_workers(redis_server, env, ["default"]) as start:
            yield start

    @staticmethod
    def idle(queue: Queue) -> bool:
        """Nothing waiting, running or scheduled for a retry."""
        return (queue.count == 0 and queue.started_job_registry.count == 0
                and queue.scheduled_job_registry.count == 0)

    def test_an_event_for_a_receiver_that_is_down_arrives_later_once_signed_with_its_event_id(
            self, app, receiver, start_worker, queue):
        subscribe(app, receiver)
        start_worker()
        with receiver.down():
            change_state(app)
            wait_until(lambda: bool(stored(app)[0].attempts))
            delivery, row = stored(app)
            [refused] = delivery.attempts
            assert refused["status"] is None and "refused" in refused["error"].lower()
            assert row.status == PENDING and row.attempts == 1 and row.last_error
            assert naive_utc(row.next_attempt_at) >= naive_utc(refused["at"]) + tasks.backoff(1)
        assert receiver.calls == []

        # The receiver is back; the sweeper hands the due row to the worker.
        assert sweep_as_of(app, row.next_attempt_at) == 1
        wait_until(lambda: stored(app)[1].status == DELIVERED)
        # RQ's own retry of the failed job (10 s after it) finds the row delivered and sends nothing.
        wait_until(lambda: self.idle(queue), timeout=40)
        time.sleep(0.5)

        [call] = receiver.calls
        assert call.answered == 204 and receiver.signature_valid(call.headers, call.body)
        assert list(receiver.events) == [delivery.event_id]
        assert receiver.events[delivery.event_id]["data"]["status"] == "in_progress"
        delivery, row = stored(app)
        assert row.attempts == 2 and [attempt["status"] for attempt in delivery.attempts] == [None, 204]
        assert sweep_as_of(app, datetime.now(UTC) + timedelta(days=30)) == 0
        assert len(receiver.calls) == 1

    def test_a_repeated_event_is_answered_by_the_receiver_taken_once_and_not_sent_again(
            self, app, client_for, receiver, start_worker, queue):
        subscription_id = subscribe(app, receiver)
        change_state(app)
        # RQ is at-least-once: a second copy of the delivery job is on the queue before a worker runs.
        [job] = queue.get_jobs()
        queue.enqueue_call(job.func_name, args=job.args, job_id="duplicate-delivery")
        start_worker()
        wait_until(lambda: stored(app)[1].status == DELIVERED and self.idle(queue))
        time.sleep(0.5)
        [first] = receiver.calls

        # The administrator sends it again: same body and event id; the receiver answers 2xx to the repeat.
        delivery, _ = stored(app)
        admin = client_for(TOWN)
        login_as(admin, "tenant_admin", username="admin-usingen")
        page = admin.get(f"/verwaltung/api/webhooks/{subscription_id}").get_data(as_text=True)
        again = admin.post(f"/verwaltung/api/webhooks/{subscription_id}/zustellungen/{delivery.id}/erneut-senden",
                           data={"csrf_token": csrf_token_of(page)})
        assert again.status_code == 303
        wait_until(lambda: len(receiver.calls) == 2 and self.idle(queue))
        time.sleep(0.5)

        first, second = receiver.calls
        assert second.body == first.body and second.answered == 204
        assert receiver.signature_valid(second.headers, second.body)
        assert list(receiver.events) == [delivery.event_id]
        assert stored(app)[1].status == DELIVERED
        assert sweep_as_of(app, datetime.now(UTC) + timedelta(days=30)) == 0
        time.sleep(0.5)
        assert len(receiver.calls) == 2
