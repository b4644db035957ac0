"""Processes of the shared library, their immutable versions and each town's enablement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned


class ImmutableVersionError(RuntimeError):
    """A stored ProcessVersion was about to be changed or deleted."""


class Process(Model):
    """One process of the shared library (global). Title, summary and keywords mirror the current
    version so that the catalogue needs no definition parsing."""

    __tablename__ = "process"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    summary: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    keywords: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # No database-level foreign key: process and version reference each other.
    current_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Content hash of the folder as the last sync stored it: sync moves the process only when the
    # folder changed since, so a version published in the editor is not replaced by an old folder.
    synced_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    versions: Mapped[list[ProcessVersion]] = relationship(
        back_populates="process", order_by="ProcessVersion.created_at.desc(), ProcessVersion.id.desc()"
    )


class ProcessVersion(Model):
    """An immutable stored definition; cases keep the version they were submitted under."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="RESTRICT"), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    # loader.to_storable(): version, definition, templates
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # The YAML text it came from (process.yaml or the admin editor), shown in diffs.
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    process: Mapped[Process] = relationship(back_populates="versions")

    @property
    def short(self) -> str:
        return self.version[:12]


@event.listens_for(ProcessVersion, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: ProcessVersion) -> None:
    raise ImmutableVersionError(f"process version {target.version[:12]} is immutable")


@event.listens_for(ProcessVersion, "before_delete")
def _refuse_delete(mapper: Any, connection: Any, target: ProcessVersion) -> None:
    raise ImmutableVersionError(f"process version {target.version[:12]} cannot be deleted")


class ProcessEnablement(TenantOwned, Model):
    """Whether a town offers a process, with its overrides (fees, department, contact, intro, days)."""

    __tablename__ = "process_enablement"
    __table_args__ = (UniqueConstraint("tenant_id", "process_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="RESTRICT"), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    process: Mapped[Process] = relationship()
