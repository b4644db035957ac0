"""The RQ worker of ``flask jobs worker``, kept alive through Redis outages.

RQ's own loop gives up on several Redis errors (a timeout, an error outside its dequeue retry) and
returns, and the worker process would exit; where it does reconnect, a restarted Redis no longer
knows the worker. Here the loop waits for Redis with a growing pause and starts a fresh worker
under the same name, until a signal (SIGTERM, SIGINT) asks it to stop, and a worker registers again
when Redis has forgotten it. Jobs lose nothing meanwhile: the outbox keeps mail, and the sweeper
hands it on. Jobs run in the worker's own process (RQ's ``SimpleWorker``, no forked work horse per
job), so they reuse its database and Redis connections.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from typing import Any

import redis
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.serializers import JSONSerializer

from amtsweg.jobs import queues

log = logging.getLogger(__name__)
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0


class _Worker(SimpleWorker):
    """Remembers that a signal asked it to stop, as opposed to RQ giving up on Redis, and registers
    itself again when a restarted Redis has forgotten it (RQ's loop reconnects, but unregistered a
    worker is invisible to ``flask jobs status`` and monitoring)."""

    stop_requested_by_signal = False

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_requested_by_signal = True
        super().request_stop(signum, frame)

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is None and self.birth_date is not None and not self.connection.hexists(self.key, "birth"):
            log.warning("Redis has forgotten worker %s; registering it again", self.name)
            self.connection.delete(self.key)
            self.register_birth()
        super().heartbeat(timeout, pipeline)


def _wait_for_redis(connection: redis.Redis, pause: float) -> None:
    """Sleep with a doubling pause until Redis answers again."""
    while True:
        with suppress(redis.RedisError):
            if connection.ping():
                return
        log.warning("Redis is unreachable; the worker tries again in %.0f s", pause)
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


def run(redis_url: str, queue_names: list[str], name: str | None, burst: bool) -> None:
    """Work on ``queue_names`` until stopped by a signal (or, with ``burst``, until they are empty)."""
    previous: _Worker | None = None
    while True:
        connection = queues.connection(redis_url)
        try:
            _wait_for_redis(connection, FIRST_PAUSE)
            if previous is not None:
                # Its record may have outlived it in Redis; the new worker takes the same name.
                with suppress(redis.RedisError):
                    previous.register_death()
            worker = _Worker([queues.queue(queue_name, connection) for queue_name in queue_names],
                             connection=connection, name=name, serializer=JSONSerializer)
            previous = worker
            worker.work(burst=burst, with_scheduler=True)
        except StopRequested:
            return
        except redis.RedisError as exc:
            log.warning("the worker lost Redis: %s", exc)
            continue
        if burst or worker.stop_requested_by_signal:
            return
        log.warning("the worker stopped working (Redis unreachable?); starting it again")
