"""/healthz and /metrics for load balancers and monitoring (answer on every host, no town's data)."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from amtsweg.extensions import csrf
from amtsweg.operations import health, metrics

blueprint = Blueprint("operations", __name__)
csrf.exempt(blueprint)


@blueprint.route("/healthz")
def healthz() -> tuple[Response, int]:
    checks = {"database": health.database_state()}
    redis_state = health.redis_state()
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
