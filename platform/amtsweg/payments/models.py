"""Payments per case and attempt, and the history of their states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.payments.base import PENDING
from amtsweg.tenancy.scoping import TenantOwned


class Payment(TenantOwned, Model):
    """One attempt to collect a case's fee. A new attempt (after a cancelled or failed one) is a new
    row; its ``request_id`` (``<reference>-<attempt>``) is what the provider sees, so starting the
    same attempt again can never create a second payment there."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("tenant_id", "case_id", "attempt"),
        UniqueConstraint("tenant_id", "request_id"),
        UniqueConstraint("tenant_id", "return_token_hash"),
        UniqueConstraint("tenant_id", "transaction_id"),
        # Reconciliation reads the open ones; the cash office lists and exports by day.
        Index("ix_payment_tenant_status", "tenant_id", "status"),
        Index("ix_payment_tenant_paid_at", "tenant_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Kept (as NULL) when the case is deleted after its retention: the books keep their records.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="SET NULL"), index=True)
    case_reference: Mapped[str] = mapped_column(String(20), nullable=False)
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    request_id: Mapped[str] = mapped_column(String(36), nullable=False)
    # The provider's registry name (xbezahldienste, ueberweisung, rathaus).
    method: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="EUR")
    # The fee lines: {id, label: {de, en}, cents, kassenzeichen, haushaltsstelle, produkt}.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    kassenzeichen: Mapped[str] = mapped_column(String(36), nullable=False)
    # Hash of the token in the return address given to the provider (the token itself is never stored).
    return_token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    transaction_reference: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    redirect_url: Mapped[str | None] = mapped_column(Text)
    # The provider's last status word as it was sent (INITIAL, PAYED, …) and how the citizen paid.
    provider_status: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    paid_with: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    # The last problem with the provider (kept until the next successful answer).
    error_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    error_detail: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    refunded_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PaymentEvent(TenantOwned, Model):
    """One change of a payment: its state, a refund or a note of the cash office. Only inserted."""

    __tablename__ = "payment_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"), nullable=False, index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # start | return | reconcile | manual | refund
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str] = mapped_column(String(20), nullable=False)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    provider_status: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    # Money booked by this event: the amount on "paid", a refund's amount (positive) on "refund".
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    actor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")


TABLES = ("payment", "payment_event")
