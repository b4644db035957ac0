"""Cases, their reference-number counters, drafts of applications, messages and internal notes on a case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import expression

from amtsweg.audit.models import AuditEvent
from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned

SUBMITTED = "submitted"
WITHDRAWN = "withdrawn"
# States in which the citizen may still withdraw the application.
WITHDRAWABLE = ("submitted", "awaiting_payment", "in_progress", "waiting_for_citizen")
# Statuses after which a case no longer appears as work to do.
FINISHED_STATUSES = ("approved", "rejected", "closed", "archived", "withdrawn", "deleted")
# Staff reading a case or its files: kept in the audit log, but nothing that happened to the case.
ACCESS_ACTIONS = ("case.viewed", "document.downloaded", "case.receipt_printed")
# Partial indexes (migration 0022) whose condition the queries repeat, so that the planner may use them.
UNFINISHED = column("status").not_in(FINISHED_STATUSES)
RECEIPT_DUE = column("receipt_due", Boolean)
NOT_ACCESS = column("action").not_in(ACCESS_ACTIONS)


class Case(TenantOwned, Model):
    """One application of a citizen, pinned to the process version it was submitted under."""

    # "case" is an SQL keyword; the table name avoids quoting in raw SQL and RLS policies.
    __tablename__ = "case_file"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        # What tables of the town's case refer to (foreign keys that include tenant_id, docs/scaling.md).
        UniqueConstraint("tenant_id", "id"),
        # The workbench queue filters by town, status and assignee.
        Index("ix_case_file_queue", "tenant_id", "status", "assignee_id"),
        # The queue sorted by due date (cases without one last: ascending btree order puts NULLs last).
        Index("ix_case_file_tenant_due_date", "tenant_id", "due_date", "id"),
        # The unfinished cases newest first, with their due date (the overdue filter reads only this).
        Index("ix_case_file_unfinished", "tenant_id", "id", "due_date", postgresql_where=UNFINISHED,
              sqlite_where=UNFINISHED),
        # The town's recent cases per service (the start page's most used services) from the index alone.
        Index("ix_case_file_tenant_submitted", "tenant_id", "submitted_at", "process_slug"),
        # The few cases whose receipt is still to be filed (the receipts' sweep reads only this).
        Index("ix_case_file_receipt_due", "tenant_id", "id", postgresql_where=RECEIPT_DUE, sqlite_where=RECEIPT_DUE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), nullable=False)
    process_version_id: Mapped[int] = mapped_column(
        ForeignKey("process_version.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False, default="online")
    status: Mapped[str] = mapped_column(String(30), nullable=False, default=SUBMITTED, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # Copied from the answers so that clerks can search without reading JSON.
    applicant_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    applicant_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="de")
    # The fee lines at submission ({id, label, cents}) and their sum.
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    fee_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Hash of the token given out at submission; the status lookup uses CaseAccessToken, which
    # holds this one and every later one.
    # The review form's token: a second submission of the same form finds this case.
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    # The clerk working on the case; None while unassigned (set by the workbench).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The citizen account the application was submitted from (None: anonymous or recorded by a clerk).
    citizen_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen_account.id", ondelete="SET NULL"), index=True
    )
    # How well the applicant's login identified them when submitting (trust level 1, 3 or 4 and the
    # identity source, keys of amtsweg.auth.trust); None without a login that names a level.
    identity_level: Mapped[int | None] = mapped_column(Integer)
    identity_source: Mapped[str | None] = mapped_column(String(40))
    # The answers taken from that login ({field id: "verified" (locked) or "taken_over"}).
    identity_answers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )
    # When the case was closed (retention counts from here) and archived (by the retention job).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the processing clock stopped (waiting for the citizen or a payment); None while it runs.
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When payment of the fee was requested; None when none is outstanding.
    payment_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The receipt (Eingangsbestätigung) is still to be rendered and filed: set by the submission,
    # cleared by the job that files it (amtsweg.cases.receipts), so that a lost job is found again.
    receipt_due: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                              server_default=expression.false())


class ReferenceCounter(TenantOwned, Model):
    """The last reference number given out per town and year (gap-free, locked on use)."""

    __tablename__ = "reference_counter"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Draft(TenantOwned, Model):
    """An application being filled in, found by the hash of a random token in the citizen's session."""

    __tablename__ = "application_draft"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        # What the statistics' application_start refers to (foreign keys that include tenant_id).
        UniqueConstraint("tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    process_version_id: Mapped[int] = mapped_column(
        ForeignKey("process_version.id", ondelete="RESTRICT"), nullable=False
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # How many steps have been completed (validated); later steps cannot be opened before.
    completed_steps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submission_key: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


class CaseMessage(TenantOwned, Model):
    """A message on a case: from the clerk (possibly asking for information) or the citizen's reply."""

    __tablename__ = "case_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    # clerk | citizen
    author: Mapped[str] = mapped_column(String(20), nullable=False)
    # message | information_request | reply
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="message")
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # An information request stays open until the citizen answers it.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class CaseAccessToken(TenantOwned, Model):
    """A secret status link of a case (stored as a hash): one from the submission and one per
    citizen mail, each valid until it is revoked or the case is deleted."""

    __tablename__ = "case_access_token"
    __table_args__ = (UniqueConstraint("tenant_id", "token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # submission | mail | account
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseNote(TenantOwned, Model):
    """A clerk's internal note on a case (staff only, never shown to the citizen); append-only like
    the audit trail it accompanies."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Kept as text too: the note still says who wrote it after the account is gone.
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


# A case's history newest first without staff's reads: however often a case was opened, a page of
# its history reads only the entries it shows.
Index("ix_audit_event_case_history", AuditEvent.tenant_id, AuditEvent.object_type, AuditEvent.object_id,
      AuditEvent.id, postgresql_where=NOT_ACCESS, sqlite_where=NOT_ACCESS)
