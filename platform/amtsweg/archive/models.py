"""Archive hand-offs: the record that a case was given to the archive before it was deleted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned


class ArchiveHandoff(TenantOwned, Model):
    """One xdomea 0503 package written for the archive; kept after the case is gone (no personal data)."""

    __tablename__ = "archive_handoff"
    __table_args__ = (
        UniqueConstraint("tenant_id", "case_reference"),
        UniqueConstraint("tenant_id", "process_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(20), nullable=False)
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    # The xdomea ProzessID of the message (and the package's file name).
    process_id: Mapped[str] = mapped_column(String(36), nullable=False)
    # Relative to ARCHIVE_DIR: <town>/<ProzessID>_Aussonderung.Aussonderung.0503.zip
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    document_count: Mapped[int] = mapped_column(Integer, nullable=False)
    closed_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
