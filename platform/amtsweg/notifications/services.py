"""State changes of the outbox: queue a mail, schedule a row's delivery, mark an operator retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.jobs import enqueue
from amtsweg.notifications import mail
from amtsweg.notifications.models import FAILED, MAIL, PENDING, WEBHOOK, OutboxMessage
from amtsweg.tenancy.context import current_tenant

# The RQ queue per kind of row: a slow webhook receiver never delays a citizen's mail.
QUEUES = {MAIL: "mail", WEBHOOK: "default"}


def delivery_job_id(message: OutboxMessage) -> str:
    """One RQ job id per row: a redelivery never runs beside a still queued attempt."""
    return f"outbox-{message.tenant_id}-{message.id}"


def schedule_delivery(message: OutboxMessage) -> None:
    """Deliver ``message`` once the current transaction has committed."""
    from amtsweg.notifications.tasks import deliver

    enqueue(deliver, message.id, tenant_id=message.tenant_id, job_id=delivery_job_id(message),
            queue=QUEUES[message.kind])


def queue_mail(
    *, to: str, template: str, context: dict[str, Any], locale: str = "de", dedupe_key: str | None = None,
    template_sources: Mapping[str, str] | None = None, case_id: int | None = None,
) -> OutboxMessage:
    """Add a mail for the current town to the current session (see the package docstring).

    ``template_sources`` (file name → Jinja source, e.g. ``{"nachforderung.de.txt": ...}``) are
    stored with the mail and used before the built-in templates, e.g. the mails of the process
    version a case was submitted under. ``case_id`` names the case the mail is about; deleting
    the case deletes the mail with it.
    """
    tenant = current_tenant()
    sources = dict(template_sources or {})
    mail.check_template(template, locale, tenant.slug, sources)
    if dedupe_key is not None:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    message = OutboxMessage(
        tenant_id=tenant.id,
        kind=MAIL,
        case_id=case_id,
        payload={"to": to, "template": template, "context": context, "locale": locale,
             **({"template_sources": sources} if sources else {})},
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    # The id is needed for the job id; flushing inside the caller's transaction keeps it atomic.
    db.session.flush()
    schedule_delivery(message)
    return message


def send_test_mail(to: str) -> OutboxMessage:
    """Queue the current town's test mail to ``to`` (one transaction), to check a deployment's SMTP."""
    message = queue_mail(to=to, template="test_mail", context={})
    db.session.commit()
    return message


def retry(message_id: int) -> OutboxMessage | None:
    """An operator's retry of an undelivered row of the current town: pending again, delivered
    after the commit (one transaction). None when there is nothing to retry."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status not in (PENDING, FAILED):
        return None
    message.status = PENDING
    message.next_attempt_at = utcnow()
    message.locked_until = None
    schedule_delivery(message)
    db.session.commit()
    return message
