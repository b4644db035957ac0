"""The Redis connection and the RQ queues (JSON serializer, one queue per kind of work)."""

from __future__ import annotations

import redis
from flask import current_app
from rq import Queue
from rq.serializers import JSONSerializer

# Mail is separate so that slow document work never delays a citizen's confirmation.
QUEUE_NAMES = ("mail", "documents", "default")


def redis_url() -> str:
    """The configured Redis address."""
    return str(current_app.config["REDIS_URL"])


def connection(url: str | None = None) -> redis.Redis:
    """A Redis client with short timeouts: a request must not hang on a Redis outage."""
    timeout = float(current_app.config["REDIS_TIMEOUT"]) if url is None else 5.0
    return redis.Redis.from_url(url or redis_url(), socket_connect_timeout=timeout, socket_timeout=timeout)


def queue(name: str, conn: redis.Redis | None = None) -> Queue:
    """The RQ queue ``name`` (one of QUEUE_NAMES) with the JSON serializer."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue '{name}', expected one of {', '.join(QUEUE_NAMES)}")
    return Queue(name, connection=conn or connection(), serializer=JSONSerializer)
