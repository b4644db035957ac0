"""The app's own RQ worker command run against the test's Redis and SMTP server."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .redis_server import RedisServer, RqWorker
from .smtp_server import SmtpServer

# ``{name}`` lets :meth:`RqWorker.wait_until_listening` find the worker in Redis.
APP_WORKER_COMMAND = (sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--name", "{name}")


def service_settings(redis_server: RedisServer, smtp_server: SmtpServer) -> dict[str, Any]:
    """App settings that queue jobs in ``redis_server`` and send mail to ``smtp_server``.

    Empties Redis and the received mail first: both servers are shared by the whole session.
    """
    redis_server.client().flushdb()
    smtp_server.clear()
    return {
        "REDIS_URL": redis_server.url,
        "MAIL_SMTP_HOST": smtp_server.host,
        "MAIL_SMTP_PORT": smtp_server.port,
        "MAIL_SMTP_SECURITY": "none",
    }


def worker_environment(config: Mapping[str, Any], instance_dir: Path) -> dict[str, str]:
    """Environment for :data:`APP_WORKER_COMMAND` so the worker uses the test app's database and services."""
    return {
        "AMTSWEG_ENV": "testing",
        "AMTSWEG_INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": config["DATABASE_URL"],
        # On PostgreSQL the worker needs the cross-town role too (the sweeps, the town's proof key).
        "AMTSWEG_MIGRATION_DATABASE_URL": config["MIGRATION_DATABASE_URL"],
        "AMTSWEG_OPS_DATABASE_URL": config["OPS_DATABASE_URL"],
        "REDIS_URL": config["REDIS_URL"],
        "AMTSWEG_MAIL_SMTP_HOST": config["MAIL_SMTP_HOST"],
        "AMTSWEG_MAIL_SMTP_PORT": str(config["MAIL_SMTP_PORT"]),
        "AMTSWEG_MAIL_SMTP_SECURITY": config["MAIL_SMTP_SECURITY"],
    }


@contextmanager
def app_workers(redis_server: RedisServer, env: Mapping[str, str],
                queues: Sequence[str]) -> Iterator[Callable[[], RqWorker]]:
    """A starter of the app's own worker command on ``queues``: each call starts one more and waits
    until it listens; all of them are killed when the block ends."""
    started: list[RqWorker] = []

    def start() -> RqWorker:
        worker = redis_server.start_rq_worker(env, queues, command=APP_WORKER_COMMAND)
        worker.wait_until_listening()
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
