"""The transactional outbox: side effects written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


class OutboxMessage(TenantOwned, Model):
    """One side effect to deliver (today: a mail), redelivered by the sweeper until done."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_outbox_message_status_next_attempt", "status", "next_attempt_at"),
        # The case by (tenant_id, id), like every key to a town's row (docs/scaling.md).
        ForeignKeyConstraint(["tenant_id", "case_id"], ["case_file.tenant_id", "case_file.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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
