"""The Redis connection and the RQ queues (JSON serializer, one queue per kind of work)."""

from __future__ import annotations

from functools import lru_cache

import redis
from flask import current_app
from rq import Queue
from rq.serializers import JSONSerializer

# Mail is separate so that slow document work never delays a citizen's confirmation.
QUEUE_NAMES = ("mail", "documents", "default")


def redis_url() -> str:
    """The configured Redis address."""
    return str(current_app.config["REDIS_URL"])


@lru_cache(maxsize=8)
def _pool(url: str, timeout: float) -> redis.ConnectionPool:
    # One pool per process and URL: requests (health checks, enqueueing) reuse its connections.
    # redis-py notices a fork and starts afresh in the child.
    return redis.ConnectionPool.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def connection(url: str | None = None) -> redis.Redis:
    """A Redis client with short timeouts (a request must not hang on a Redis outage), on this
    process's pool for the URL."""
    timeout = float(current_app.config["REDIS_TIMEOUT"]) if url is None else 5.0
    return redis.Redis(connection_pool=_pool(url or redis_url(), timeout))


def queue(name: str, conn: redis.Redis | None = None) -> Queue:
    """The RQ queue ``name`` (one of QUEUE_NAMES) with the JSON serializer."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue '{name}', expected one of {', '.join(QUEUE_NAMES)}")
    return Queue(name, connection=conn or connection(), serializer=JSONSerializer)
