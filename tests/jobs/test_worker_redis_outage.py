"""The app's RQ worker survives a Redis outage: it waits, comes back under its name when Redis
does, and delivers mail queued afterwards. A Redis server of its own, so that stopping it does
not disturb the rest of the suite."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from amtsweg.extensions import db
from amtsweg.notifications import services
from amtsweg.tenancy.context import tenant_context
from conftest import tenant_info
from flask import Flask
from support.app_worker import APP_WORKER_COMMAND, service_settings, worker_environment
from support.redis_server import RedisServer
from support.services import require_executable

pytestmark = pytest.mark.redis


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(require_executable("redis-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_overrides(own_redis: RedisServer, smtp_server: Any) -> dict[str, Any]:
    return service_settings(own_redis, smtp_server)


def test_the_worker_waits_out_a_redis_outage_and_delivers_afterwards(
    app: Flask, own_redis: RedisServer, smtp_server: Any, tmp_path: Path
) -> None:
    worker = own_redis.start_rq_worker(worker_environment(app.config, tmp_path), ["mail"], command=APP_WORKER_COMMAND)
    worker.wait_until_listening()
    own_redis.stop_server()
    # Long enough for RQ to give up on its connection (its own loop returns on several errors).
    time.sleep(8)
    assert worker.running, worker.log_path.read_text(encoding="utf-8")[-3000:]
    own_redis.start_again()
    worker.wait_until_listening(timeout=60)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        services.queue_mail(to="nach-dem-ausfall@example.org", template="test_mail", context={})
        db.session.commit()
    [message] = smtp_server.wait_for(1, timeout=30)
    assert message["To"] == "nach-dem-ausfall@example.org"
    assert worker.running
    worker.stop()
    assert not worker.running

