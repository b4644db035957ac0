"""Periodic jobs: a registry filled by ``@periodic`` and the loop of ``flask jobs scheduler``.

RQ 2.x has a ``CronScheduler``, but it enqueues with RQ's default (pickle) serializer, without
job ids, and two running schedulers would both enqueue. This loop enqueues each run of a job once
per cron period, across any number of schedulers: the period's start is claimed in Redis with
``SET NX`` and the job id is ``periodic-<name>-<period>``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from croniter import croniter
from flask import Flask

log = logging.getLogger(__name__)
# The package's folder, searched for modules with periodic jobs.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
F = TypeVar("F", bound=Callable[..., Any])
# How long a period's claim is kept in Redis: longer than the longest cron interval in use.
CLAIM_SECONDS = 8 * 24 * 3600


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str
    func_path: str
    queue: str

    def period_start(self, now: datetime) -> datetime:
        """The latest time at or before ``now`` the cron expression fires."""
        # get_prev() is strictly before its start: start just after ``now`` to include ``now``.
        return croniter(self.cron, now + timedelta(seconds=1)).get_prev(datetime)

    def job_id(self, period: datetime) -> str:
        # RQ job ids allow letters, digits, "_" and "-" only.
        safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", self.name)
        return f"periodic-{safe_name}-{period.strftime('%Y%m%dT%H%M')}"


_registry: dict[str, PeriodicJob] = {}


def periodic(name: str, cron: str, queue: str = "default") -> Callable[[F], F]:
    """Register a module-level function without arguments to run on ``cron`` (UTC)."""
    if not croniter.is_valid(cron):
        raise ValueError(f"periodic job '{name}': invalid cron expression '{cron}'")

    def register(func: F) -> F:
        from amtsweg.jobs.dispatch import func_path_of

        path = func_path_of(func)
        known = _registry.get(name)
        if known is not None and known.func_path != path:
            raise ValueError(f"periodic job '{name}' is already registered for {known.func_path}")
        _registry[name] = PeriodicJob(name, cron, path, queue)
        return func

    return register


def discover() -> list[PeriodicJob]:
    """Import every ``amtsweg.<module>.tasks`` so that its ``@periodic`` jobs are registered."""
    for module in pkgutil.iter_modules([str(PACKAGE_DIR)]):
        if module.ispkg and importlib.util.find_spec(f"amtsweg.{module.name}.tasks") is not None:
            importlib.import_module(f"amtsweg.{module.name}.tasks")
    return sorted(_registry.values(), key=lambda job: job.name)


class Scheduler:
    """Enqueues every periodic job once per period; ``tick`` is one pass, ``run`` loops."""

    def __init__(self, app: Flask, jobs: list[PeriodicJob]) -> None:
        self.app = app
        self.jobs = jobs
        # Without Redis (a single embedded process) the claims are kept in memory.
        self._claimed: set[str] = set()

    def _claim(self, key: str) -> bool:
        if self.app.config["REDIS_URL"]:
            from amtsweg.jobs.queues import connection

            return bool(connection().set(f"amtsweg:periodic:{key}", "1", nx=True, ex=CLAIM_SECONDS))
        if key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def tick(self, now: datetime | None = None) -> list[str]:
        """Enqueue the jobs whose current period has not been enqueued yet; returns their job ids."""
        from amtsweg.jobs.dispatch import PendingJob, dispatch

        now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        enqueued = []
        with self.app.app_context():
            for job in self.jobs:
                job_id = job.job_id(job.period_start(now))
                if not self._claim(job_id):
                    continue
                dispatch(PendingJob(job.func_path, (), None, job_id, job.queue, None, 3600), self.app)
                enqueued.append(job_id)
                log.info("periodic job %s enqueued as %s", job.name, job_id)
        return enqueued

    def run(self, stop: threading.Event, interval: float = 20.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                # Redis may be restarting; the next tick catches up on the same period.
                log.exception("scheduler tick failed")
            stop.wait(interval)
