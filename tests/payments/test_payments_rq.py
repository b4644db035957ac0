"""With a real Redis and the app's own RQ worker: the return (a GET) books nothing and queues
nothing, the citizen's status check books, and the scheduler's reconciliation job settles the
payment of a citizen who never came back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from amtsweg.jobs import schedule
from flask import Flask
from payment_support import come_back, connect, in_town, make_case, payments_of, return_path, start
from support.app_worker import app_workers, service_settings, worker_environment

pytestmark = pytest.mark.redis


@pytest.fixture
def app_overrides(redis_server: Any, smtp_server: Any) -> dict[str, Any]:
    return service_settings(redis_server, smtp_server)


@pytest.fixture
def worker(app: Flask, redis_server: Any, tmp_path: Path, payment_provider, monkeypatch) -> Iterator[Callable]:
    """Connect Usingen to the simulator (secrets in the environment the worker inherits), then start
    the app's worker on the default queue."""
    connect(app, "usingen", payment_provider, monkeypatch)
    with app_workers(redis_server, worker_environment(app.config, tmp_path), ["default"]) as start:
        yield start


def _wait_for(app: Flask, reference: str, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with in_town(app, "usingen"):
            current = [p.status for p in payments_of(reference)]
        if current == [status]:
            return
        assert time.monotonic() < deadline, f"payment still {current}"
        time.sleep(0.2)


def test_the_return_books_nothing_and_queues_nothing_the_status_check_books(app, worker, payment_provider,
                                                                           client_for):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    path = return_path(payment_provider.choose(url))
    client = client_for("usingen")
    assert "noch nicht bestätigt" in client.get(path).text
    worker()  # a job queued by the return would book now
    time.sleep(1)
    with in_town(app, "usingen"):
        assert [p.status for p in payments_of(reference)] == ["open"]  # the return itself booked nothing
    page = come_back(client, path)
    assert "ist eingegangen" in page.text
    _wait_for(app, reference, "paid")


def test_the_scheduled_reconciliation_settles_a_citizen_who_never_came_back(app, worker, payment_provider):
    payment_provider.switch(never_return=True)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    payment_provider.choose(url)
    jobs = [job for job in schedule.discover() if job.name == "payments.reconcile"]
    assert [(job.cron, job.func_path) for job in jobs] == [("*/10 * * * *", "amtsweg.payments.tasks.reconcile_all")]
    enqueued = schedule.Scheduler(app, jobs).tick(datetime(2026, 5, 2, 3, 17, tzinfo=UTC))
    assert enqueued == ["periodic-payments_reconcile-20260502T0310"]
    worker()
    _wait_for(app, reference, "paid")
