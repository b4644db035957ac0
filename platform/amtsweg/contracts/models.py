"""Contracts of a town, their change history, documents, reminders, calendar tokens and import previews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned

CONTRACT_TYPES: dict[str, str] = {
    "miete_pacht": "Miete/Pacht",
    "wartung": "Wartung",
    "dienstleistung": "Dienstleistung",
    "lieferung": "Lieferung",
    "versicherung": "Versicherung",
    "lizenz_software": "Lizenz/Software",
    "energie": "Energie",
    "kooperation_ikz": "Kooperation/IKZ",
    "sonstiges": "Sonstiges",
}

DRAFT, ACTIVE, TERMINATED, ENDED = "entwurf", "aktiv", "gekuendigt", "beendet"
STATUSES: dict[str, str] = {DRAFT: "Entwurf", ACTIVE: "aktiv", TERMINATED: "gekündigt", ENDED: "beendet"}

VALUE_INTERVALS: dict[str, str] = {"einmalig": "einmalig", "monatlich": "monatlich", "jaehrlich": "jährlich"}


class Contract(TenantOwned, Model):
    """One contract of a town; `next_notice_by`/`next_end_on` cache the next deadline for the dashboard."""

    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_contract_tenant_next_notice_by", "tenant_id", "next_notice_by"),
        Index("ix_contract_tenant_next_end_on", "tenant_id", "next_end_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    contract_type: Mapped[str] = mapped_column(String(30), nullable=False)
    partner_name: Mapped[str] = mapped_column(String(200), nullable=False)
    partner_address: Mapped[str] = mapped_column(Text, nullable=False, default="")
    partner_contact: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    department: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    # None: open-ended (unbefristet).
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Clauses as the clerk wrote them; parsed with contracts.deadlines whenever they are used.
    minimum_term: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    notice_period: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # Empty: no automatic renewal; otherwise the renewal term, e.g. "12 Monate".
    renewal_period: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # 64-bit: the form and the import accept amounts up to 10^12 € (see importing.MAX_EUROS).
    value_cents: Mapped[int | None] = mapped_column(BigInteger)
    value_interval: Mapped[str] = mapped_column(String(20), nullable=False, default="einmalig")
    cost_centre: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Folded text of the searchable fields (lower case, umlauts spelled out) for portable search.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_notice_by: Mapped[date | None] = mapped_column(Date)
    next_end_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    responsible = relationship("User", foreign_keys=[responsible_id], lazy="joined")
    deputy = relationship("User", foreign_keys=[deputy_id], lazy="joined")

    @property
    def type_label(self) -> str:
        return CONTRACT_TYPES.get(self.contract_type, self.contract_type)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def interval_label(self) -> str:
        return VALUE_INTERVALS.get(self.value_interval, self.value_interval)


class ContractNumberCounter(TenantOwned, Model):
    """The last generated contract number per town and year (gap-free, locked on use)."""

    __tablename__ = "contract_number_counter"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ContractChange(TenantOwned, Model):
    """One changed field of a contract: who, when, old → new. Only ever inserted."""

    __tablename__ = "contract_change"
    __table_args__ = (Index("ix_contract_change_tenant_contract", "tenant_id", "contract_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    field: Mapped[str] = mapped_column(String(40), nullable=False)
    old_value: Mapped[str] = mapped_column(Text, nullable=False, default="")
    new_value: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ContractDocument(TenantOwned, Model):
    """One uploaded version of a contract document; uploading the same title again adds a version."""

    __tablename__ = "contract_document"
    __table_args__ = (UniqueConstraint("tenant_id", "contract_id", "title", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="RESTRICT"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    document = relationship("Document", lazy="joined")


class ContractReminder(TenantOwned, Model):
    """A reminder that was queued; the unique key makes it exactly once per deadline and lead time."""

    __tablename__ = "contract_reminder"
    __table_args__ = (UniqueConstraint("tenant_id", "contract_id", "notice_by", "lead_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False)
    notice_by: Mapped[date] = mapped_column(Date, nullable=False)
    lead_days: Mapped[int] = mapped_column(Integer, nullable=False)
    recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class CalendarFeed(TenantOwned, Model):
    """A user's secret iCalendar address; only the token's hash is kept."""

    __tablename__ = "contract_calendar_feed"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"), UniqueConstraint("tenant_id", "token_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class ContractImport(TenantOwned, Model):
    """A parsed import file waiting for confirmation: its rows, kept server-side."""

    __tablename__ = "contract_import"
    __table_args__ = (UniqueConstraint("tenant_id", "token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # [{"row": 2, "values": {...}}]; their problems are checked whenever the preview is shown, so that
    # they read in the page's language and count what changed since the upload.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


# Every table of this module (row-level security is switched on for each by migration 0006).
TABLES = (
    "contract_number_counter",
    "contract",
    "contract_calendar_feed",
    "contract_import",
    "contract_change",
    "contract_reminder",
    "contract_document",
)
