"""Background jobs: RQ on Redis in production, inline right after the commit without it.

Interfaces for other modules
----------------------------

``enqueue(func, *args, tenant_id=None, job_id=None, queue="default", retry=DEFAULT_RETRY,
timeout=300)``
    Run ``func`` (a callable defined at module level, or its dotted path ``"pkg.module.name"``)
    with JSON-serialisable ``args`` once the current database transaction has committed. Rolled
    back: the job is dropped. No transaction open: it is dispatched when the app context ends.
    With ``REDIS_URL`` the job goes to the RQ queue ``queue`` (``mail``, ``documents`` or
    ``default``) under ``job_id`` (a job with that id that is still waiting is not added
    twice); without it the job runs inline in a fresh app context right after the request.
    The job runs inside an app context and ``tenant_context(tenant_id)`` (no tenant when None).
    RQ is at-least-once: handlers must be idempotent.

``amtsweg.jobs.schedule.periodic(name, cron, queue="default")``
    Decorator for a module-level function without arguments that ``flask jobs scheduler`` runs
    on a cron schedule (UTC), e.g. ``@periodic("drafts.expire", "15 3 * * *")``. It runs without
    a tenant context; iterate over towns with ``all_tenants_context`` or one ``tenant_context``
    each. Define it in the module's ``tasks.py``: the scheduler imports every ``amtsweg.<module>.tasks``.

Mail goes through ``amtsweg.notifications.services.queue_mail``, which uses both.
"""

from __future__ import annotations

from amtsweg.jobs.dispatch import DEFAULT_RETRY, enqueue, init_app
from amtsweg.jobs.queues import QUEUE_NAMES

__all__ = ["DEFAULT_RETRY", "QUEUE_NAMES", "enqueue", "init_app"]
