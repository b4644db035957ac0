"""The audit trail: one row per recorded action of a town, only ever inserted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned


class AuditEvent(TenantOwned, Model):
    """One recorded action. Rows are only ever inserted (services never update or delete them)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_tenant_object", "tenant_id", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(80), nullable=False)
    object_type: Mapped[str] = mapped_column(String(80), nullable=False)
    object_id: Mapped[str] = mapped_column(String(80), nullable=False)
    host: Mapped[str] = mapped_column(String(253), nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
