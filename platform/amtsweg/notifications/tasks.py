"""Jobs of the outbox: deliver one row (idempotent; a mail or a webhook call), sweep for rows that
are due again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.jobs.schedule import periodic
from amtsweg.notifications import mail, webhooks
from amtsweg.notifications.models import DELIVERED, FAILED, MAIL, PENDING, WEBHOOK, OutboxMessage
from amtsweg.tenancy.context import all_tenants_context, current_tenant

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_id: int, now: datetime) -> bool:
    """Take the row for one attempt; False if it is delivered, failed or held by another attempt.

    A conditional UPDATE in its own committed transaction: of two workers running the same job
    (RQ is at-least-once) only one gets the row.
    """
    lease = timedelta(seconds=int(current_app.config["OUTBOX_LEASE_SECONDS"]))
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == PENDING,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _record_failure(message_id: int, error: Exception) -> None:
    db.session.rollback()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.locked_until = None
    message.next_attempt_at = utcnow() + backoff(message.attempts)
    if message.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
        message.status = FAILED
    db.session.commit()


def without_secret_links(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of a delivered mail minus its links (``*_url`` context values at any depth, e.g.
    a workflow mail's ``case.status_url``): status and resume links carry secret tokens, which
    must not outlive the delivery in the database."""
    return {**payload, "context": _without_links(payload["context"])}


def _without_links(context: dict[str, Any]) -> dict[str, Any]:
    return {key: _without_links(value) if isinstance(value, dict) else value
            for key, value in context.items() if not key.endswith("_url")}


def _send_mail(message: OutboxMessage) -> dict[str, Any]:
    """Render and send a ``mail`` row; what the row keeps afterwards (Message-ID, no secret links)."""
    tenant = current_tenant()
    header = mail.message_id_for(tenant, message.id)
    payload = message.payload
    rendered = mail.render(tenant, payload["template"], payload["context"], payload["locale"],
                           payload.get("template_sources"))
    mail.send(mail.build_message(tenant, payload["to"], rendered, header, payload["locale"]))
    return {"message_id": header, "payload": without_secret_links(payload)}


# Kind of outbox row → the function that delivers one; it raises when the attempt failed and
# returns the columns to store with the delivered row.
DELIVERIES: dict[str, Callable[[OutboxMessage], dict[str, Any]]] = {MAIL: _send_mail, WEBHOOK: webhooks.call}


def deliver(message_id: int) -> str:
    """Deliver one outbox row (a mail, a webhook call) unless it was already delivered; returns
    what happened."""
    if not _claim(message_id, utcnow()):
        return "skipped"
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return "skipped"
    try:
        kept = DELIVERIES[message.kind](message)
    except Exception as exc:
        log.warning("outbox %s: delivery failed: %s", message_id, exc)
        _record_failure(message_id, exc)
        # RQ retries with backoff; after that the sweeper redelivers at next_attempt_at.
        raise
    # A kill between sending and this commit is the remaining window (see the package docstring).
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
        .values(status=DELIVERED, delivered_at=utcnow(), locked_until=None, last_error=None, **kept)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return "delivered"


def due_messages(now: datetime) -> list[OutboxMessage]:
    """Pending rows of every town whose next attempt is due and which no attempt holds."""
    with all_tenants_context():
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                )
                .order_by(OutboxMessage.id)
            )
        )


@periodic("outbox.sweep", "* * * * *", queue="mail")
def sweep(now: datetime | None = None) -> int:
    """Schedule a delivery for every due row (of every town); returns how many."""
    from amtsweg.notifications.services import schedule_delivery

    messages = due_messages(now or utcnow())
    for message in messages:
        schedule_delivery(message)
    # Ends the read transaction: the deliveries are handed on when the app context ends.
    db.session.commit()
    return len(messages)
