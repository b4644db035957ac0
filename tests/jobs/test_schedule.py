"""Periodic jobs: registered with @periodic, enqueued once per cron period across schedulers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from amtsweg.jobs import schedule
from flask import Flask
from rq import Queue
from rq.serializers import JSONSerializer


def test_discovery_registers_the_outbox_sweeper_every_minute() -> None:
    jobs = {job.name: job for job in schedule.discover()}

    assert jobs["outbox.sweep"].cron == "* * * * *"
    assert jobs["outbox.sweep"].func_path == "amtsweg.notifications.tasks.sweep"


def test_an_invalid_cron_expression_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid cron"):
        schedule.periodic("broken", "every day")


def test_period_start_is_the_last_time_the_expression_fired() -> None:
    job = schedule.PeriodicJob("x", "15 3 * * *", "amtsweg.x.y", "default")

    assert job.period_start(datetime(2026, 5, 2, 3, 15, tzinfo=UTC)) == datetime(2026, 5, 2, 3, 15, tzinfo=UTC)
    assert job.period_start(datetime(2026, 5, 2, 1, 0, tzinfo=UTC)) == datetime(2026, 5, 1, 3, 15, tzinfo=UTC)


class TestWithRedis:
    @pytest.fixture
    def app_overrides(self, redis_server: Any) -> dict[str, Any]:
        redis_server.client().flushdb()
        return {"REDIS_URL": redis_server.url}

    def test_two_schedulers_enqueue_each_period_once(self, app: Flask, redis_server: Any) -> None:
        jobs = [job for job in schedule.discover() if job.name == "outbox.sweep"]
        first, second = schedule.Scheduler(app, jobs), schedule.Scheduler(app, jobs)
        now = datetime(2026, 5, 2, 3, 15, 30, tzinfo=UTC)

        assert first.tick(now) == ["periodic-outbox_sweep-20260502T0315"]
        assert second.tick(now) == []
        assert first.tick(now.replace(minute=16)) == ["periodic-outbox_sweep-20260502T0316"]
        queue = Queue("mail", connection=redis_server.client(), serializer=JSONSerializer)
        assert sorted(queue.job_ids) == ["periodic-outbox_sweep-20260502T0315", "periodic-outbox_sweep-20260502T0316"]
        [job] = [j for j in queue.get_jobs() if j.id.endswith("0315")]
        assert job.args == ["amtsweg.notifications.tasks.sweep", None, []]
