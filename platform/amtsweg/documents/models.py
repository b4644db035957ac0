"""Stored files: metadata in the database, content in a storage backend."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned


class Document(TenantOwned, Model):
    """One stored file. Linked to a case, to a draft (an upload not yet submitted) or to another
    owner (``owner_type``/``owner_id``, e.g. a contract); unlinked uploads are cleaned up daily."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="RESTRICT"), index=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_draft.id", ondelete="SET NULL"), index=True
    )
    owner_type: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    # Who added it: citizen | clerk | system
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="citizen")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
