"""What the statistics count, kept apart from the cases so that deleting a case changes no figure.

Each row is anonymous: no name, address, answer or reference. While the case, draft or enablement
it describes exists, a link column points to it so that later changes reach the row; deleting the
case or draft clears the link (the foreign keys are created by migration 0016: on PostgreSQL over
``(tenant_id, x_id)`` clearing only ``x_id``, on SQLite over ``x_id``), and the row remains.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amtsweg.cases.models import Case, Draft
from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.processes.models import Process
from amtsweg.tenancy.scoping import TenantOwned


def new_key() -> str:
    """A new row key: rows of a town are keyed (tenant_id, key) (docs/scaling.md), and a random key
    needs no sequence (SQLite numbers no composite keys)."""
    return uuid.uuid4().hex


class CaseFact(TenantOwned, Model):
    """One case as the statistics count it: process, channel, the days it was submitted, due and
    finished, how it ended and its fee."""

    __tablename__ = "case_fact"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "key"),
        UniqueConstraint("tenant_id", "case_id"),
        # The statistics aggregate a period's facts from these indexes alone (migration 0027; SQLite
        # has no INCLUDE columns).
        Index("ix_case_fact_tenant_submitted", "tenant_id", "submitted_on",
              postgresql_include=["process_slug", "channel", "fee_cents", "outcome"]),
        Index("ix_case_fact_tenant_finished", "tenant_id", "finished_on",
              postgresql_include=["process_slug", "processing_days", "within_target"]),
        Index("ix_case_fact_tenant_open", "tenant_id", "submitted_on", postgresql_where=text("finished_on IS NULL"),
              sqlite_where=text("finished_on IS NULL")),
        Index("ix_case_fact_tenant_process", "tenant_id", "process_slug"),
    )

    key: Mapped[str] = mapped_column(String(32), default=new_key)
    case_id: Mapped[int | None] = mapped_column(Integer)
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    # Days in the towns' time zone.
    submitted_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    # The day the case first reached a final state, and which (approved, rejected, closed, withdrawn).
    finished_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(30))
    # Calendar days from submission to the decision; None while open and for withdrawn applications.
    processing_days: Mapped[int | None] = mapped_column(Integer)
    # Decided by the due date (pauses included); None without a due date or decision.
    within_target: Mapped[bool | None] = mapped_column(Boolean)
    fee_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    # Set for a case created in the same flush (its id is not known yet); no cascade either way.
    case: Mapped[Case | None] = relationship(
        Case, primaryjoin="foreign(CaseFact.case_id) == Case.id", viewonly=False, uselist=False)


class ApplicationStart(TenantOwned, Model):
    """One application a citizen started online: how many form steps were completed at most and
    whether (and through which channel) it was submitted."""

    __tablename__ = "application_start"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "key"),
        UniqueConstraint("tenant_id", "draft_id"),
        Index("ix_application_start_tenant_started", "tenant_id", "started_on"),
    )

    key: Mapped[str] = mapped_column(String(32), default=new_key)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    furthest_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    # The channel of the resulting case (a clerk's intake also passes through a draft).
    channel: Mapped[str | None] = mapped_column(String(20))

    draft: Mapped[Draft | None] = relationship(
        Draft, primaryjoin="foreign(ApplicationStart.draft_id) == Draft.id", viewonly=False, uselist=False)


class ServiceOffer(TenantOwned, Model):
    """A stretch of days on which a town offered a process of the library: from the day it was
    switched on until (not including) the day it was switched off, open while it is on."""

    __tablename__ = "service_offer"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "key"),
        Index("ix_service_offer_tenant_process", "tenant_id", "process_id"),
    )

    key: Mapped[str] = mapped_column(String(32), default=new_key)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="RESTRICT"), nullable=False)
    offered_from: Mapped[date] = mapped_column(Date, nullable=False)
    offered_until: Mapped[date | None] = mapped_column(Date)

    process: Mapped[Process] = relationship(Process)


class ReportOutlook(TenantOwned, Model):
    """The outlook a town wrote for its council report of one period."""

    __tablename__ = "report_outlook"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "period_start", "period_end"),)

    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )
