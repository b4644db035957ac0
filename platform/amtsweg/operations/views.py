"""/healthz and /metrics for load balancers and monitoring (answer on every host, no town's data)."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from amtsweg.extensions import csrf, db
from amtsweg.jobs import queues
from amtsweg.operations import metrics

blueprint = Blueprint("operations", __name__)
csrf.exempt(blueprint)


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        current_app.logger.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return "unreachable"


def _check_redis() -> str | None:
    if not current_app.config["REDIS_URL"]:
        return None
    import redis

    try:
        # The jobs' pooled connection: a health check every few seconds opens no new one.
        queues.connection().ping()
        return "ok"
    except redis.RedisError as exc:
        current_app.logger.warning("health check: redis unreachable: %s", exc)
        return "unreachable"


@blueprint.route("/healthz")
def healthz() -> tuple[Response, int]:
    checks = {"database": _check_database()}
    redis_state = _check_redis()
    if redis_state is not None:
        checks["redis"] = redis_state
    # Redis being down degrades jobs but not requests (the outbox keeps the work): still 200.
    healthy = checks["database"] == "ok"
    status = "ok" if healthy and redis_state in (None, "ok") else ("degraded" if healthy else "failing")
    return jsonify(status=status, checks=checks), 200 if healthy else 503


@blueprint.route("/metrics")
def metrics_endpoint() -> Response:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            # Like an unknown page: do not advertise the endpoint to scanners.
            raise NotFound()
    return metrics.render()
