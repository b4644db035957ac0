"""What the health check reports: whether the database and Redis answer right now."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from amtsweg.extensions import db

log = logging.getLogger(__name__)


def database_state() -> str:
    """"ok" or "unreachable"; a failed probe leaves no broken transaction behind."""
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        log.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return "unreachable"


def redis_state() -> str | None:
    """"ok" or "unreachable"; None when no Redis is configured (jobs run inline)."""
    url = current_app.config["REDIS_URL"]
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError as exc:
        log.warning("health check: redis unreachable: %s", exc)
        return "unreachable"
