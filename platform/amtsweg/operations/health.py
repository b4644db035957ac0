"""What the health check reports: whether the database and Redis answer right now."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from amtsweg.extensions import db
from amtsweg.jobs import queues

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
    if not current_app.config["REDIS_URL"]:
        return None
    import redis

    try:
        # The jobs' pooled connection: a health check every few seconds opens no new one.
        queues.connection().ping()
        return "ok"
    except redis.RedisError as exc:
        log.warning("health check: redis unreachable: %s", exc)
        return "unreachable"
