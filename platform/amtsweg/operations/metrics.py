"""Prometheus metrics: requests by route and status, job queues, outbox backlog.

Request counters live in the process. Under gunicorn with several workers set
``PROMETHEUS_MULTIPROC_DIR`` (see config/gunicorn.conf.py) so that a scrape sums every worker.
Queue lengths and the outbox backlog are read from Redis and the database at scrape time.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from amtsweg.extensions import db
from amtsweg.jobs.queues import QUEUE_NAMES
from amtsweg.notifications.models import STATUSES, OutboxMessage
from amtsweg.tenancy.context import all_tenants_context

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "amtsweg_http_requests", "HTTP requests by route (URL rule) and status", ["method", "route", "status"],
    registry=None,
)
DURATION = Histogram(
    "amtsweg_http_request_duration_seconds", "HTTP request duration by route", ["route"], registry=None
)


class BacklogCollector(Collector):
    """Reads job queues and the outbox at scrape time (never from a request's transaction)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        outbox = GaugeMetricFamily("amtsweg_outbox_messages", "Outbox rows by status", labels=["status"])
        with all_tenants_context():
            by_status = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            counts = dict(db.session.execute(by_status).tuples().all())
        db.session.rollback()
        for status in STATUSES:
            outbox.add_metric([status], counts.get(status, 0))
        yield outbox
        if not self.app.config["REDIS_URL"]:
            return
        up = GaugeMetricFamily("amtsweg_redis_up", "1 if Redis answered the scrape")
        queued = GaugeMetricFamily("amtsweg_job_queue_length", "Jobs waiting per RQ queue", labels=["queue"])
        failed = GaugeMetricFamily("amtsweg_job_failed", "Jobs in the failed registry per queue", labels=["queue"])
        try:
            from amtsweg.jobs.queues import queue

            for name in QUEUE_NAMES:
                rq_queue = queue(name)
                queued.add_metric([name], rq_queue.count)
                failed.add_metric([name], rq_queue.failed_job_registry.count)
            up.add_metric([], 1)
            yield queued
            yield failed
        except Exception as exc:
            log.warning("metrics: redis unreachable: %s", exc)
            up.add_metric([], 0)
        yield up


def render() -> Response:
    """The metrics in Prometheus' text format (summed over all workers when multiprocess)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, DURATION):
            registry.register(collector)
    registry.register(BacklogCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    """Count and time every request by route and status."""
    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "(unmatched)"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            DURATION.labels(route).observe(time.perf_counter() - started)
        return response
