"""Enqueue after commit: collect jobs per transaction, dispatch them when the app context ends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, current_app, g, has_app_context
from rq import Retry
from rq.job import Job, JobStatus
from sqlalchemy import event
from sqlalchemy.orm import Session

from amtsweg.extensions import db
from amtsweg.jobs import queues, runner

log = logging.getLogger(__name__)

# RQ retries a failing job after 10 s, 1 min and 5 min; the outbox sweeper takes over after that.
DEFAULT_RETRY = Retry(max=3, interval=[10, 60, 300])
_WAITING = "amtsweg_jobs_waiting_for_commit"
# A job waiting in its queue is not added twice. A started one may belong to a killed worker and a
# scheduled retry may be minutes away, so those are enqueued again; the handlers' own claims make
# a second run harmless.
_WAITING_STATUSES = {JobStatus.QUEUED}


@dataclass(frozen=True)
class PendingJob:
    func_path: str
    args: tuple[Any, ...]
    tenant_id: int | None
    job_id: str | None
    queue: str
    retry: Retry | None = field(compare=False)
    timeout: int


def func_path_of(func: Callable[..., Any] | str) -> str:
    """The importable dotted path of a job function (a path is returned as it is)."""
    if isinstance(func, str):
        return func
    if "<" in func.__qualname__ or "." in func.__qualname__:
        raise ValueError(f"{func!r} is not a module-level function; jobs need an importable path")
    return f"{func.__module__}.{func.__qualname__}"


def enqueue(
    func: Callable[..., Any] | str,
    *args: Any,
    tenant_id: int | None = None,
    job_id: str | None = None,
    queue: str = "default",
    retry: Retry | None = DEFAULT_RETRY,
    timeout: int = 300,
) -> None:
    """Run ``func(*args)`` after the current transaction commits (see the package docstring)."""
    if not has_app_context():
        raise RuntimeError("amtsweg.jobs.enqueue needs an app context")
    if queue not in queues.QUEUE_NAMES:
        raise ValueError(f"unknown queue '{queue}'")
    job = PendingJob(func_path_of(func), tuple(args), tenant_id, job_id, queue, retry, timeout)
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_WAITING, []).append(job)
    else:
        _ready().append(job)


def _ready() -> list[PendingJob]:
    if "amtsweg_jobs_ready" not in g:
        g.amtsweg_jobs_ready = []
    return g.amtsweg_jobs_ready


@event.listens_for(Session, "after_commit")
def _release_on_commit(session: Session) -> None:
    waiting = session.info.pop(_WAITING, None)
    if waiting and has_app_context():
        _ready().extend(waiting)


@event.listens_for(Session, "after_transaction_end")
def _drop_unless_committed(session: Session, transaction: Any) -> None:
    # Runs after after_commit; whatever is still waiting belonged to a rolled back transaction.
    if transaction.parent is None:
        session.info.pop(_WAITING, None)


def dispatch(job: PendingJob, app: Flask) -> None:
    """Hand one job to RQ, or run it inline. Never raises: the outbox and the sweeper recover."""
    if app.config["REDIS_URL"]:
        try:
            submit_to_rq(job)
        except redis.RedisError as exc:
            log.error("could not enqueue %s (%s): %s", job.func_path, job.job_id, exc)
        return
    try:
        runner.run_in_app(app, job.func_path, job.tenant_id, list(job.args))
    except Exception:
        # The citizen's request has succeeded; whatever the job did not finish stays for the sweeper.
        log.exception("inline job %s (%s) failed", job.func_path, job.job_id)


def submit_to_rq(job: PendingJob) -> Job | None:
    """Put the job on its RQ queue; a job with the same id still waiting is not added twice."""
    conn = queues.connection()
    rq_queue = queues.queue(job.queue, conn)
    if job.job_id:
        existing = rq_queue.fetch_job(job.job_id)
        if existing is not None and existing.get_status(refresh=False) in _WAITING_STATUSES:
            return None
    return rq_queue.enqueue_call(
        runner.execute,
        args=(job.func_path, job.tenant_id, list(job.args)),
        job_id=job.job_id,
        retry=job.retry,
        timeout=job.timeout,
        description=f"{job.func_path}{job.args!r} tenant={job.tenant_id}",
        failure_ttl=14 * 24 * 3600,
    )


def init_app(app: Flask) -> None:
    """Dispatch the jobs of a request once its app context ends (after the commit)."""
    @app.teardown_appcontext
    def _dispatch_ready_jobs(exc: BaseException | None) -> None:
        ready = g.pop("amtsweg_jobs_ready", None)
        if not ready:
            return
        real_app = current_app._get_current_object()  # type: ignore[attr-defined]
        for job in ready:
            dispatch(job, real_app)
