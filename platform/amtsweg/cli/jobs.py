"""``flask jobs …``: worker, scheduler, status and the outbox sweeper."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from amtsweg.extensions import db
from amtsweg.jobs import queues, schedule
from amtsweg.jobs import worker as worker_loop


@click.group("jobs", help="Background jobs: RQ worker, periodic scheduler, status, outbox sweeper.")
def jobs() -> None:
    pass


def _require_redis() -> None:
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set; without it jobs run inline in the web process")


@jobs.command("worker")
@click.argument("queue_names", nargs=-1)
@click.option("--name", default=None, help="Worker name (default: host and process id).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@with_appcontext
def worker(queue_names: tuple[str, ...], name: str | None, burst: bool) -> None:
    """Run an RQ worker on QUEUE_NAMES (default: mail, documents, default — in that priority)."""
    _require_redis()
    names = list(queue_names) or list(queues.QUEUE_NAMES)
    worker_loop.run(current_app.config["REDIS_URL"], names, name, burst)


@jobs.command("scheduler")
@click.option("--interval", default=20.0, show_default=True, help="Seconds between two passes.")
@with_appcontext
def scheduler(interval: float) -> None:
    """Enqueue the periodic jobs on their cron schedules (UTC), once per period."""
    registered = schedule.discover()
    for job in registered:
        click.echo(f"{job.name}: {job.cron} -> {job.func_path} (queue {job.queue})")
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    schedule.Scheduler(current_app._get_current_object(), registered).run(stop, interval)  # type: ignore[attr-defined]


@jobs.command("status")
@with_appcontext
def status() -> None:
    """Queue lengths, failed jobs and the outbox backlog."""
    from amtsweg.notifications.models import OutboxMessage
    from amtsweg.tenancy.context import all_tenants_context

    with all_tenants_context():
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status).order_by(OutboxMessage.status)
        ).all()
    click.echo("outbox: " + (", ".join(f"{state} {count}" for state, count in rows) or "empty"))
    if not current_app.config["REDIS_URL"]:
        click.echo("queues: none (REDIS_URL is not set; jobs run inline)")
        return
    conn = queues.connection(current_app.config["REDIS_URL"])
    for queue_name in queues.QUEUE_NAMES:
        rq_queue = queues.queue(queue_name, conn)
        click.echo(
            f"queue {queue_name}: {rq_queue.count} waiting, {rq_queue.started_job_registry.count} running, "
            f"{rq_queue.failed_job_registry.count} failed"
        )
        for job_id in rq_queue.failed_job_registry.get_job_ids()[:20]:
            click.echo(f"  failed: {job_id}")


@jobs.command("sweep")
@with_appcontext
def sweep() -> None:
    """Schedule a delivery for every pending outbox row whose next attempt is due."""
    from amtsweg.notifications import tasks

    count = tasks.sweep()
    click.echo(f"{count} outbox message(s) due for delivery")


@jobs.command("test-mail")
@click.option("--town", required=True, help="Slug of the town whose sender is used.")
@click.option("--to", "recipient", required=True, help="Recipient address.")
@with_appcontext
def test_mail(town: str, recipient: str) -> None:
    """Send a test mail through the outbox, to check the SMTP settings of a deployment."""
    from amtsweg.notifications.services import send_test_mail
    from amtsweg.tenancy.context import tenant_context
    from amtsweg.tenancy.models import Tenant

    row = db.session.scalar(select(Tenant).where(Tenant.slug == town))
    if row is None:
        raise click.BadParameter(f"no town '{town}'", param_hint="--town")
    with tenant_context(row.info()):
        message = send_test_mail(recipient)
        click.echo(f"outbox message {message.id} queued for {recipient}")
