"""The Aussonderung with the archive (xdomea 3.1.0) and what remains after deletion.

An :class:`Aussonderung` is one cycle with the archive under one xdomea ProzessID: the offer
(0501), the archive's assessment (0502), the hand-off of what it wants (0503) and its import
confirmation (0506), then deletion. Each Vorgang in it is an :class:`AussonderungObject`, which
stays (anonymised: no Vorgang, only its Aktenzeichen) when the Vorgang is deleted. Every deleted
Vorgang leaves one :class:`DisposalRecord` — the statistics row — and an audit event.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned

# States of a cycle, in order. "assessed" may go straight to "deleted" when the archive wants nothing.
OFFERED = "offered"
ASSESSED = "assessed"
HANDED_OFF = "handed_off"
CONFIRMED = "confirmed"
DELETED = "deleted"
STATES = (OFFERED, ASSESSED, HANDED_OFF, CONFIRMED, DELETED)
STATE_LABELS = {
    OFFERED: lazy_gettext("angeboten"),
    ASSESSED: lazy_gettext("bewertet"),
    HANDED_OFF: lazy_gettext("übergeben"),
    CONFIRMED: lazy_gettext("Übernahme bestätigt"),
    DELETED: lazy_gettext("abgeschlossen, gelöscht"),
}


class Aussonderung(TenantOwned, Model):
    """One Aussonderung cycle of a town with its archive."""

    __tablename__ = "aussonderung"
    __table_args__ = (UniqueConstraint("tenant_id", "process_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The xdomea ProzessID shared by every message of the cycle.
    process_id: Mapped[str] = mapped_column(String(36), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=OFFERED, index=True)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Files written for the archive, relative to ARCHIVE_DIR, with their SHA-256.
    offer_file: Mapped[str] = mapped_column(String(300), nullable=False)
    offer_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # 0504: the archive confirmed it received the offer.
    offer_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 0505: our confirmation that the assessment arrived (when the archive asked for one).
    assessment_receipt_file: Mapped[str | None] = mapped_column(String(300))
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    package_file: Mapped[str | None] = mapped_column(String(300))
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    package_size: Mapped[int | None] = mapped_column(BigInteger)
    # 0507: the archive confirmed it received the hand-off.
    package_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow,
                                                 onupdate=utcnow)

    objects: Mapped[list[AussonderungObject]] = relationship(
        back_populates="aussonderung", order_by="AussonderungObject.id", cascade="all, delete-orphan"
    )


# States of an object in its cycle.
OBJECT_OFFERED = "offered"
OBJECT_ARCHIVE = "to_archive"  # assessed A
OBJECT_DESTROY = "to_destroy"  # assessed V
OBJECT_HANDED_OFF = "handed_off"
OBJECT_ARCHIVED = "archived"  # 0506: imported by the archive
OBJECT_REJECTED = "rejected"  # 0506: not imported; kept, may be offered again
OBJECT_DELETED = "deleted"
# An object in one of these states no longer binds its Vorgang to the cycle.
OBJECT_FINAL = (OBJECT_REJECTED, OBJECT_DELETED)


class AussonderungObject(TenantOwned, Model):
    """A Vorgang offered in a cycle, with the archive's decision and the import's result."""

    __tablename__ = "aussonderung_object"
    __table_args__ = (UniqueConstraint("tenant_id", "aussonderung_id", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aussonderung_id: Mapped[int] = mapped_column(
        ForeignKey("aussonderung.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The Vorgang's ID in the messages.
    object_id: Mapped[str] = mapped_column(String(36), nullable=False)
    # None once the Vorgang is deleted.
    vorgang_id: Mapped[int | None] = mapped_column(ForeignKey("vorgang.id", ondelete="SET NULL"), index=True)
    aktenzeichen: Mapped[str] = mapped_column(String(80), nullable=False)
    unit_number: Mapped[str] = mapped_column(String(40), nullable=False)
    # The hint it was offered with (A | B) and the archive's decision (A | V).
    hint: Mapped[str] = mapped_column(String(1), nullable=False)
    decision: Mapped[str | None] = mapped_column(String(1))
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=OBJECT_OFFERED)
    # From the 0506: the archive's reference for it, or why it was not imported.
    archive_reference: Mapped[str | None] = mapped_column(String(200))
    import_error: Mapped[str | None] = mapped_column(Text)

    aussonderung: Mapped[Aussonderung] = relationship(back_populates="objects")


class DisposalRecord(TenantOwned, Model):
    """What is left of a deleted Vorgang: numbers for statistics, no personal data."""

    __tablename__ = "disposal_record"
    __table_args__ = (UniqueConstraint("tenant_id", "case_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(20), nullable=False)
    aktenzeichen: Mapped[str | None] = mapped_column(String(80))
    unit_number: Mapped[str | None] = mapped_column(String(40))
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    closed_on: Mapped[date] = mapped_column(Date, nullable=False)
    retention_years: Mapped[int | None] = mapped_column(Integer)
    # handed_off: in the archive | destroyed: deleted without hand-off
    disposal: Mapped[str] = mapped_column(String(20), nullable=False)
    # aktenplan: destroyed by its hint V | archive: as the archive assessed it | process: handed
    # off directly because its definition said so (before the Aussonderung cycle existed)
    decided_by: Mapped[str] = mapped_column(String(20), nullable=False)
    aussonderung_id: Mapped[int | None] = mapped_column(ForeignKey("aussonderung.id", ondelete="SET NULL"))
    document_count: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
