"""The transactional outbox: side effects written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES = (PENDING, DELIVERED, FAILED)
# The kinds of side effect the outbox delivers (notifications.tasks.DELIVERIES).
MAIL = "mail"
WEBHOOK = "webhook"


class OutboxMessage(TenantOwned, Model):
    """One side effect to deliver (a mail, a webhook call), redelivered by the sweeper until done."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        # What a town's webhook deliveries refer to (foreign keys that include tenant_id, docs/scaling.md).
        UniqueConstraint("tenant_id", "id"),
        Index("ix_outbox_message_status_next_attempt", "status", "next_attempt_at"),
        # The case by (tenant_id, id), like every key to a town's row (docs/scaling.md).
        ForeignKeyConstraint(["tenant_id", "case_id"], ["case_file.tenant_id", "case_file.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # MAIL | WEBHOOK
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # The case the side effect is about, if any: deleting the case deletes its mails.
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The inputs of the side effect (for a mail: to, template, context, locale), rendered at send time.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # A delivery attempt holds the row until then; a worker killed mid-send releases it by expiry.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # The Message-ID the mail was sent with (deterministic from the row, see notifications.mail).
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookSubscription(TenantOwned, Model):
    """A town's system that is told about events (a case submitted, its status changed, a message
    from the citizen) by a signed POST to its address. The secret signs every call; it is shown to
    the administrator once and kept here because signing needs it."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class WebhookDelivery(TenantOwned, Model):
    """One event for one subscription: the exact body sent (and signed), the outbox row that
    delivers it (its status, attempts and next try) and the log of every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "subscription_id", "event_id"),
        UniqueConstraint("tenant_id", "outbox_message_id"),
        ForeignKeyConstraint(["tenant_id", "subscription_id"],
                             ["webhook_subscription.tenant_id", "webhook_subscription.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "outbox_message_id"], ["outbox_message.tenant_id", "outbox_message.id"],
                             ondelete="CASCADE"),
        # The delivery log of a subscription, newest first.
        Index("ix_webhook_delivery_subscription", "tenant_id", "subscription_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32))
    subscription_id: Mapped[str] = mapped_column(String(16), nullable=False)
    outbox_message_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # The event's id is the same for every subscription it goes to: receivers drop repeats by it.
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # One entry per attempt: {"at", "status" (HTTP status or null), "error", "ms"}, oldest first.
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
