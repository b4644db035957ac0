"""Read-only queries of the outbox."""

from __future__ import annotations

from sqlalchemy import or_, select

from amtsweg.extensions import db
from amtsweg.notifications.models import FAILED, MAIL, PENDING, OutboxMessage
from amtsweg.tenancy.context import all_tenants_context


def undelivered_in_all_towns(limit: int = 200) -> list[OutboxMessage]:
    """Mails that failed or are pending after a failed attempt, of every town (platform admin);
    webhook calls are in each town's own delivery log."""
    with all_tenants_context():
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.kind == MAIL,
                    or_(
                        OutboxMessage.status == FAILED,
                        (OutboxMessage.status == PENDING) & (OutboxMessage.attempts > 0),
                    )
                )
                .order_by(OutboxMessage.id.desc())
                .limit(limit)
            )
        )


def tenant_of(message_id: int) -> int | None:
    """The town of an outbox row, for a cross-town operator action."""
    with all_tenants_context():
        return db.session.scalar(select(OutboxMessage.tenant_id).where(OutboxMessage.id == message_id))
