"""The eAkte: Akte → Vorgang → Dokument with immutable versions, locks, legal holds and the
findings of the integrity check.

A case is one Vorgang; an Akte gathers the Vorgänge of one Aktenplan unit and year (a
"Jahrgangsakte", Aktenzeichen ``<unit>-<year>``, its Vorgänge ``<unit>-<year>/<n>``). A
:class:`Document` is the Dokument: which case (or draft, or other owner) it belongs to, who holds it
checked out, and — as columns — its current version; every content it ever had is an immutable
:class:`DocumentVersion` row (version 1 is created with the document). Retention and the archive's
hint are copied onto the Vorgang when it is filed, so a later change of the Aktenplan does not
change what was decided for files already kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned

# How a version arrived → the label clerks see.
CHANNELS = {
    "portal": lazy_gettext("Online-Antrag"),
    "intake": lazy_gettext("Erfassung im Rathaus"),
    "workbench": lazy_gettext("Sachbearbeitung"),
    "generated": lazy_gettext("vom System erstellt"),
}
# Who added a version, when it was no clerk (a clerk's name is kept as it is).
AUTHORS = {
    "citizen": lazy_gettext("antragstellende Person"),
    "clerk": lazy_gettext("Sachbearbeitung"),
    "system": lazy_gettext("System"),
}
# What the platform made a document as (``Document.kind``) → the title clerks see beside its file name.
KINDS = {
    "eingangsbestaetigung": lazy_gettext("Eingangsbestätigung"),
    "zahlungsquittung": lazy_gettext("Zahlungsquittung"),
}
# The channel of a document created without one, by who added it (``Document.source``).
CHANNEL_OF_SOURCE = {"citizen": "portal", "clerk": "intake", "system": "generated"}


class ImmutableDocumentVersion(RuntimeError):
    """A stored document version was about to be changed (its content is kept as it was)."""


class Akte(TenantOwned, Model):
    """The file of one Aktenplan unit and year, holding its Vorgänge."""

    __tablename__ = "akte"
    __table_args__ = (
        UniqueConstraint("tenant_id", "uuid"),
        UniqueConstraint("tenant_id", "aktenzeichen"),
        UniqueConstraint("tenant_id", "unit_number", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Akte's ID in xdomea messages.
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    aktenzeichen: Mapped[str] = mapped_column(String(60), nullable=False)
    unit_number: Mapped[str] = mapped_column(String(40), nullable=False)
    unit_title: Mapped[str] = mapped_column(String(200), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    # The number given to the last Vorgang filed here (raised under a row lock).
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class Vorgang(TenantOwned, Model):
    """A case as a Vorgang of its Akte; closed "zu den Akten" (zdA) it is read-only."""

    __tablename__ = "vorgang"
    __table_args__ = (
        UniqueConstraint("tenant_id", "uuid"),
        UniqueConstraint("tenant_id", "aktenzeichen"),
        UniqueConstraint("tenant_id", "akte_id", "number"),
        UniqueConstraint("tenant_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    akte_id: Mapped[int] = mapped_column(ForeignKey("akte.id", ondelete="RESTRICT"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    aktenzeichen: Mapped[str] = mapped_column(String(80), nullable=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="RESTRICT"), nullable=False)
    # Betreff: the process's title and the case reference (no personal data).
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    process_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    retention_years: Mapped[int] = mapped_column(Integer, nullable=False)
    # A archivwürdig (offered to the archive) | B bewerten (offered) | V vernichten (destroyed)
    archive_hint: Mapped[str] = mapped_column(String(1), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # zdA: when and by whom it was closed; retention runs from the end of that year.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    retention_ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Until when the object store keeps its documents write-once (None: not protected by the store).
    worm_until: Mapped[date | None] = mapped_column(Date)

    akte: Mapped[Akte] = relationship()
    holds: Mapped[list[LegalHold]] = relationship(back_populates="vorgang", order_by="LegalHold.id")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def active_hold(self) -> LegalHold | None:
        return next((hold for hold in self.holds if hold.lifted_at is None), None)


class LegalHold(TenantOwned, Model):
    """A legal hold on a Vorgang: nothing of it is deleted while it is not lifted."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RESTRICT: a Vorgang under hold cannot be deleted, even past the services.
    vorgang_id: Mapped[int] = mapped_column(ForeignKey("vorgang.id", ondelete="RESTRICT"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    set_by: Mapped[str] = mapped_column(String(200), nullable=False)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    vorgang: Mapped[Vorgang] = relationship(back_populates="holds")


class Document(TenantOwned, Model):
    """One Dokument. Linked to a case, to a draft (an upload not yet submitted) or to another
    owner (``owner_type``/``owner_id``, e.g. a contract); unlinked uploads are cleaned up daily.

    ``storage_key`` … ``sha256`` describe the current version (the last of :attr:`versions`); only
    :func:`amtsweg.documents.services.add_version` changes them, together with a new version row.
    """

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
    # A document the platform made as one of KINDS (None: an upload or a letter).
    kind: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Checked out by a clerk: only they may add a version; nobody may delete it meanwhile.
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    locked_by: Mapped[str | None] = mapped_column(String(200))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __init__(self, *, channel: str | None = None, created_by: str | None = None, **values: Any) -> None:
        """A new document starts with its version 1 (the content given here)."""
        values.setdefault("created_at", utcnow())
        values.setdefault("source", "citizen")
        super().__init__(**values)
        self.versions.append(DocumentVersion(
            number=1, storage_key=self.storage_key, filename=self.filename, content_type=self.content_type,
            size=self.size, sha256=self.sha256, created_at=self.created_at,
            channel=channel or CHANNEL_OF_SOURCE.get(self.source, "generated"), created_by=created_by or self.source,
        ))

    @property
    def current_version(self) -> DocumentVersion:
        return self.versions[-1]


class DocumentVersion(TenantOwned, Model):
    """One content of a document: written once, never changed; removed only with its document."""

    __tablename__ = "document_version"
    __table_args__ = (
        UniqueConstraint("tenant_id", "document_id", "number"),
        # Keys start with the town's folder; unique per town keeps every key within one town's rows.
        UniqueConstraint("tenant_id", "storage_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    # Opaque key in the storage backend (never a name someone chose).
    storage_key: Mapped[str] = mapped_column(String(300), nullable=False)
    # The name the file had when it arrived (shown, offered for download; never used as a key).
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    # Detected from the content (libmagic), not from the name or the browser.
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # portal | intake | workbench | generated (see CHANNELS)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    # Who added it: "citizen", "system" or the clerk's name.
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


@event.listens_for(Session, "before_flush")
def _refuse_changed_versions(session: Session, flush_context: object, instances: object) -> None:
    for obj in session.dirty:
        if isinstance(obj, DocumentVersion) and session.is_modified(obj, include_collections=False):
            raise ImmutableDocumentVersion(f"version {obj.number} of document {obj.document_id} is immutable")


class IntegrityFinding(TenantOwned, Model):
    """A stored version whose content is missing or differs from its SHA-256 (for the operations page)."""

    __tablename__ = "integrity_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_version.id", ondelete="SET NULL"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(300), nullable=False)
    # missing | mismatch
    problem: Mapped[str] = mapped_column(String(20), nullable=False)
    expected_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    actual_sha256: Mapped[str | None] = mapped_column(String(64))
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Set when a later check found the content intact again (e.g. restored from a backup).
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
