"""Failed RQ jobs, for the operator page and ``flask jobs status``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rq.job import Job

from amtsweg.jobs import queues


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    description: str
    error: str
    ended_at: datetime | None


def failed_jobs(limit: int = 100) -> list[FailedJob]:
    """The failed jobs of every queue (up to ``limit`` per queue), with the last line of each error."""
    conn = queues.connection()
    found = []
    for name in queues.QUEUE_NAMES:
        registry = queues.queue(name, conn).failed_job_registry
        for job in Job.fetch_many(registry.get_job_ids(0, limit - 1), connection=conn, serializer=registry.serializer):
            if job is None:
                continue
            result = job.latest_result()
            error = (result.exc_string or "") if result else ""
            last_line = error.strip().splitlines()[-1] if error.strip() else ""
            found.append(FailedJob(job.id, name, job.description or job.func_name or "", last_line, job.ended_at))
    return found


def requeue_failed(queue_name: str, job_id: str) -> bool:
    """Put a failed job back on its queue; False if it is no longer in the failed registry."""
    registry = queues.queue(queue_name).failed_job_registry
    if job_id not in registry.get_job_ids():
        return False
    registry.requeue(job_id)
    return True
