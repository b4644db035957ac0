"""Workbench data: internal notes on a case (staff only, never shown to the citizen)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.extensions import db
from amtsweg.tenancy.models import utcnow
from amtsweg.tenancy.scoping import TenantOwned


class CaseNote(TenantOwned, db.Model):
    """A clerk's internal note on a case; append-only like the audit trail it accompanies."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Kept as text too: the note still says who wrote it after the account is gone.
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
