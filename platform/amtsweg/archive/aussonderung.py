"""The Aussonderung of the current town with its archive (xdomea 3.1.0), step by step.

1. :func:`offer` — the Vorgänge whose retention ended, that are not held, not already in a cycle
   and whose hint is A or B (V is destroyed without an offer), go into a new cycle; its 0501 is
   written to ``ARCHIVE_DIR/<town>/``.
2. :func:`import_message` — the archive's answers: 0504 (offer received), 0502 (A or V per
   object; answered with a 0505 when the archive asks), 0507 (hand-off received), 0506 (import
   result per object). A message that does not validate, names objects the cycle does not have,
   lacks some, is addressed to another town or does not fit the cycle's state is refused with a
   precise message and changes nothing.
3. :func:`hand_off` — the 0503 with the objects assessed A and every version of their documents,
   each file checked against its SHA-256 while it is packed.
4. :func:`dispose` — deletes what the archive assessed V and what it confirmed to have imported;
   never a Vorgang under legal hold or before its retention ended. A cycle whose objects are all
   deleted (or not imported, and so offered again later) is complete.

Every message is built and validated before anything is written or changed: an invalid message
is never sent. Each step is one transaction; files are written atomically before it commits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select

from amtsweg.archive import xdomea
from amtsweg.archive.models import (
    ASSESSED,
    CONFIRMED,
    DELETED,
    HANDED_OFF,
    OBJECT_ARCHIVE,
    OBJECT_ARCHIVED,
    OBJECT_DELETED,
    OBJECT_DESTROY,
    OBJECT_FINAL,
    OBJECT_HANDED_OFF,
    OBJECT_REJECTED,
    OFFERED,
    STATE_LABELS,
    Aussonderung,
    AussonderungObject,
)
from amtsweg.archive.services import archive_dir, remove_case
from amtsweg.audit.services import record
from amtsweg.cases.models import Case
from amtsweg.clock import utcnow
from amtsweg.documents.models import Document, DocumentVersion, LegalHold, Vorgang
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.tenancy import current_tenant

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
# How the creator of a version appears in the package.
CREATOR_LABELS = {"citizen": "Antragsteller", "system": "amtsweg (automatisch erstellt)"}


class MessageRefused(DomainError):
    """A message (or step) was refused; ``message`` says why in the operator's language,
    ``problems`` list each fault found. Nothing was changed."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message, [Problem("", problem) for problem in problems])

    def __str__(self) -> str:
        return " ".join([str(self.message), *(problem.message for problem in self.problems)])


class IntegrityFailure(DomainError):
    """A stored document does not match its recorded SHA-256; nothing is handed off."""


@dataclass(frozen=True)
class Imported:
    code: str
    aussonderung: Aussonderung
    # The receipt written in reply (0505), if the archive asked for one.
    answer: Path | None = None


@dataclass
class DisposalReport:
    deleted: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- parties and files


def _town_party() -> xdomea.Party:
    town = current_tenant()
    return xdomea.Party(name=town.contact.get("authority", town.official_name), key=town.slug, key_label=town.name)


def _envelope(aussonderung: Aussonderung, recipient: xdomea.Party | None = None) -> xdomea.Envelope:
    return xdomea.Envelope(
        process_id=aussonderung.process_id, sender=_town_party(),
        recipient=recipient or xdomea.Party(aussonderung.recipient), system_version=_amtsweg_version(),
        created_at=utcnow(),
    )


def _amtsweg_version() -> str:
    try:
        return metadata.version("amtsweg")
    except metadata.PackageNotFoundError:  # running from a checkout that was not installed
        return "unbekannt"


def _town_folder() -> Path:
    return archive_dir() / current_tenant().slug


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _write_atomically(name: str, fill: Callable[[IO[bytes]], object]) -> tuple[str, str, int]:
    """Write ``ARCHIVE_DIR/<town>/<name>`` through a temporary file (fsync, rename); returns the
    path relative to ARCHIVE_DIR, its SHA-256 and size. A failure leaves no file behind."""
    folder = _town_folder()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(dir=folder, prefix=".part-", suffix=".tmp")
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "w+b") as raw:
            fill(raw)
            raw.flush()
            os.fsync(raw.fileno())
            raw.seek(0)
            digest = _hash_stream(raw)
        os.replace(temporary, folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    target = folder / name
    return target.relative_to(archive_dir()).as_posix(), digest, target.stat().st_size


def _write_message(process_id: str, code: str, message: bytes) -> tuple[str, str]:
    """Write a message without files in its container; its path (relative) and SHA-256."""
    relative, digest, _size = _write_atomically(
        xdomea.package_name(process_id, code), lambda raw: raw.write(xdomea.container(process_id, code, message))
    )
    return relative, digest


def _hash_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- records for messages


def _versions_by_document(vorgang: Vorgang) -> list[tuple[Document, list[DocumentVersion]]]:
    documents = db.session.scalars(select(Document).where(Document.case_id == vorgang.case_id).order_by(Document.id))
    return [(document, list(document.versions)) for document in documents]


def _record_of(vorgang: Vorgang, assessment: str) -> xdomea.VorgangRecord:
    documents = tuple(
        xdomea.DocumentRecord(
            first_key=versions[0].storage_key, title=document.filename,
            received_on=document.created_at.date() if document.source == "citizen" else None,
            versions=tuple(
                xdomea.FileVersion(
                    number=version.number, key=version.storage_key, original_name=version.filename,
                    content_type=version.content_type, created_at=version.created_at,
                    created_by=CREATOR_LABELS.get(version.created_by, version.created_by), sha256=version.sha256,
                )
                for version in versions
            ),
        )
        for document, versions in _versions_by_document(vorgang)
    )
    assert vorgang.closed_at is not None and vorgang.retention_ends_on is not None  # only closed ones are offered
    return xdomea.VorgangRecord(
        object_id=vorgang.uuid, aktenzeichen=vorgang.aktenzeichen, subject=vorgang.subject,
        akte_title=vorgang.akte.unit_title, unit_number=vorgang.akte.unit_number, unit_title=vorgang.akte.unit_title,
        retention_years=vorgang.retention_years, retention_ends_on=vorgang.retention_ends_on, assessment=assessment,
        opened_on=vorgang.opened_at.date(), closed_on=vorgang.closed_at.date(), documents=documents,
    )


# --------------------------------------------------------------------------- 1. offer


def due_for_offer(today: date) -> list[Vorgang]:
    """Closed Vorgänge of the current town whose retention ended before ``today``, hint A or B, not
    under legal hold and not bound to an open cycle."""
    held = exists().where(LegalHold.vorgang_id == Vorgang.id, LegalHold.lifted_at.is_(None))
    bound = exists().where(AussonderungObject.vorgang_id == Vorgang.id, AussonderungObject.state.not_in(OBJECT_FINAL))
    return list(db.session.scalars(
        select(Vorgang).where(
            Vorgang.closed_at.is_not(None), Vorgang.retention_ends_on < today, Vorgang.archive_hint.in_(("A", "B")),
            ~held, ~bound,
        ).order_by(Vorgang.id)
    ))


def offer(today: date, actor: str) -> Aussonderung | None:
    """Start a cycle with everything due and write its 0501 (one transaction); None if nothing is due."""
    due = due_for_offer(today)
    if not due:
        return None
    process_id = str(uuid.uuid4())
    recipient = current_app.config["ARCHIVE_RECIPIENT"]
    aussonderung = Aussonderung(process_id=process_id, state=OFFERED, recipient=recipient, started_by=actor,
                                offered_at=utcnow(), offer_file="", offer_sha256="")
    # Built and validated before anything is written: an invalid message never leaves.
    message = xdomea.build_offer(_envelope(aussonderung), [_record_of(v, v.archive_hint) for v in due])
    aussonderung.offer_file, aussonderung.offer_sha256 = _write_message(process_id, "0501", message)
    aussonderung.objects = [
        AussonderungObject(object_id=vorgang.uuid, vorgang_id=vorgang.id, aktenzeichen=vorgang.aktenzeichen,
                           unit_number=vorgang.akte.unit_number, hint=vorgang.archive_hint)
        for vorgang in due
    ]
    db.session.add(aussonderung)
    record(actor, "aussonderung.offered", "aussonderung", process_id, objects=len(due), file=aussonderung.offer_file)
    db.session.commit()
    return aussonderung


# --------------------------------------------------------------------------- 2. answers of the archive


def _check_recipient(message: xdomea.Message) -> None:
    town = current_tenant()
    names = {town.official_name, town.contact.get("authority", town.official_name)}
    addressed = message.recipient_key == town.slug if message.recipient_key else message.recipient_name in names
    if not addressed:
        raise MessageRefused(_(
            "Die Nachricht ist an „%(recipient)s“ gerichtet, nicht an %(town)s.",
            recipient=message.recipient_key or message.recipient_name, town=town.official_name,
        ))


def _refuse_state(aussonderung: Aussonderung, expected: str, code: str) -> None:
    if aussonderung.state != expected:
        raise MessageRefused(_(
            "Eine Nachricht %(code)s passt nicht zum Stand der Aussonderung %(process)s („%(state)s“).",
            code=code, process=aussonderung.process_id, state=STATE_LABELS[aussonderung.state],
        ))


def _id_problems(ids: list[str], expected: dict[str, AussonderungObject]) -> list[str]:
    """Unknown, repeated and missing object ids (each a sentence naming it)."""
    problems, seen = [], set()
    for object_id in ids:
        if object_id in seen:
            problems.append(_("Das Objekt %(id)s kommt mehrfach vor.", id=object_id))
        elif object_id not in expected:
            problems.append(_("Das Objekt %(id)s gehört nicht zu dieser Aussonderung.", id=object_id))
        seen.add(object_id)
    problems += [
        _("Für %(aktenzeichen)s (%(id)s) fehlt die Angabe.", aktenzeichen=item.aktenzeichen, id=object_id)
        for object_id, item in expected.items() if object_id not in seen
    ]
    return problems


def _import_assessment(message: xdomea.Message, aussonderung: Aussonderung) -> Path | None:
    _refuse_state(aussonderung, OFFERED, "0502")
    decisions = xdomea.assessments(message)
    offered = {item.object_id: item for item in aussonderung.objects}
    problems = _id_problems([object_id for object_id, _code in decisions], offered)
    problems += [
        _("%(id)s ist mit „%(code)s“ bewertet; ein Bewertungsverzeichnis entscheidet mit A oder V.",
          id=object_id, code=code)
        for object_id, code in decisions if code not in ("A", "V") and object_id in offered
    ]
    if problems:
        raise MessageRefused(_("Das Bewertungsverzeichnis wurde nicht übernommen."), problems)
    for object_id, code in decisions:
        item = offered[object_id]
        item.decision = code
        item.state = OBJECT_ARCHIVE if code == "A" else OBJECT_DESTROY
    aussonderung.state, aussonderung.assessed_at = ASSESSED, utcnow()
    if not message.receipt_requested:
        return None
    receipt = xdomea.build_receipt("0505", _envelope(aussonderung, message.sender))
    aussonderung.assessment_receipt_file = _write_message(aussonderung.process_id, "0505", receipt)[0]
    return archive_dir() / aussonderung.assessment_receipt_file


def _import_offer_receipt(message: xdomea.Message, aussonderung: Aussonderung) -> None:
    if aussonderung.offer_received_at is not None:
        raise MessageRefused(_("Der Empfang des Anbieteverzeichnisses ist bereits bestätigt."))
    aussonderung.offer_received_at = utcnow()


def _import_handoff_receipt(message: xdomea.Message, aussonderung: Aussonderung) -> None:
    if aussonderung.handed_off_at is None:
        raise MessageRefused(_("Für die Aussonderung %(process)s wurde noch nichts übergeben.",
                               process=aussonderung.process_id))
    if aussonderung.package_received_at is not None:
        raise MessageRefused(_("Der Empfang der Übergabe ist bereits bestätigt."))
    aussonderung.package_received_at = utcnow()


def _import_confirmation(message: xdomea.Message, aussonderung: Aussonderung) -> None:
    _refuse_state(aussonderung, HANDED_OFF, "0506")
    outcomes = xdomea.import_outcomes(message)
    handed_off = {item.object_id: item for item in aussonderung.objects if item.state == OBJECT_HANDED_OFF}
    problems = _id_problems([outcome.object_id for outcome in outcomes], handed_off)
    if problems:
        raise MessageRefused(_("Die Importbestätigung wurde nicht übernommen."), problems)
    for outcome in outcomes:
        item = handed_off[outcome.object_id]
        item.state = OBJECT_ARCHIVED if outcome.imported else OBJECT_REJECTED
        item.archive_reference = outcome.archive_reference or None
        item.import_error = "; ".join(outcome.errors) or None
    aussonderung.state, aussonderung.confirmed_at = CONFIRMED, utcnow()


# What amtsweg takes from the archive; each importer checks everything before it changes anything.
IMPORTERS: dict[str, Callable[[xdomea.Message, Aussonderung], Path | None]] = {
    "0502": _import_assessment,
    "0504": _import_offer_receipt,
    "0506": _import_confirmation,
    "0507": _import_handoff_receipt,
}


def import_message(data: bytes, actor: str) -> Imported:
    """Take one message of the archive for the current town (one transaction), or refuse it."""
    try:
        message = xdomea.read(data)
    except xdomea.InvalidMessage as exc:
        raise MessageRefused(_("Die Nachricht entspricht nicht dem Schema xdomea 3.1.0."), exc.errors) from exc
    importer = IMPORTERS.get(message.code)
    if importer is None:
        raise MessageRefused(_(
            "Eine Nachricht %(code)s nimmt amtsweg nicht an (nur 0502, 0504, 0506 und 0507 vom Archiv).",
            code=message.code,
        ))
    _check_recipient(message)
    # Locked: the same answer imported twice at once is checked against the first one's result.
    aussonderung = db.session.scalar(
        select(Aussonderung).filter_by(process_id=message.process_id).with_for_update()
    )
    if aussonderung is None:
        raise MessageRefused(_("Zur ProzessID %(process)s gibt es in %(town)s keine Aussonderung.",
                               process=message.process_id, town=current_tenant().official_name))
    answer = importer(message, aussonderung)
    kept = xdomea.package_name if message.package is not None else xdomea.message_name
    _write_atomically(kept(aussonderung.process_id, message.code), lambda raw: raw.write(data))
    record(actor, f"aussonderung.{message.code}_imported", "aussonderung", aussonderung.process_id,
           state=aussonderung.state)
    db.session.commit()
    return Imported(message.code, aussonderung, answer)


# --------------------------------------------------------------------------- 3. hand-off


def _pack(raw: IO[bytes], process_id: str, message: bytes, records: Sequence[xdomea.VorgangRecord]) -> None:
    """The 0503 ZIP: the message and every version's file, each checked against its SHA-256."""
    storage = get_storage()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(xdomea.message_name(process_id, "0503"), message)
        for vorgang in records:
            for document in vorgang.documents:
                for version in document.versions:
                    digest = hashlib.sha256()
                    with storage.open(version.key) as source, package.open(version.package_name, "w") as sink:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            sink.write(chunk)
                    if digest.hexdigest() != version.sha256:
                        raise IntegrityFailure(f"version {version.number} of „{document.title}“ in "
                                               f"{vorgang.aktenzeichen} does not match its recorded SHA-256")


def hand_off(aussonderung: Aussonderung, actor: str) -> Aussonderung:
    """Write the 0503 with everything the archive assessed A (one transaction)."""
    _refuse_state(aussonderung, ASSESSED, "0503")
    wanted = [item for item in aussonderung.objects if item.state == OBJECT_ARCHIVE]
    if not wanted:
        raise MessageRefused(_("Das Archiv hat in dieser Aussonderung nichts als archivwürdig bewertet."))
    vorgaenge = [db.session.get(Vorgang, item.vorgang_id) for item in wanted]
    records = [_record_of(vorgang, "A") for vorgang in vorgaenge if vorgang is not None]
    message = xdomea.build_handoff(_envelope(aussonderung), records)
    process_id = aussonderung.process_id
    relative, digest, size = _write_atomically(
        xdomea.package_name(process_id, "0503"), lambda raw: _pack(raw, process_id, message, records)
    )
    for item in wanted:
        item.state = OBJECT_HANDED_OFF
    aussonderung.state, aussonderung.handed_off_at = HANDED_OFF, utcnow()
    aussonderung.package_file, aussonderung.package_sha256, aussonderung.package_size = relative, digest, size
    record(actor, "aussonderung.handed_off", "aussonderung", process_id, objects=len(records), file=relative)
    db.session.commit()
    return aussonderung


# --------------------------------------------------------------------------- 4. deletion


_DISPOSAL_OF_STATE = {OBJECT_ARCHIVED: "archive", OBJECT_DESTROY: "delete"}


def dispose(today: date, actor: str) -> DisposalReport:
    """Delete what the archive assessed V or confirmed as imported — one transaction per Vorgang —
    and complete the cycles with nothing left to do."""
    report = DisposalReport()
    candidates = db.session.scalars(
        select(AussonderungObject).where(
            AussonderungObject.state.in_(tuple(_DISPOSAL_OF_STATE)), AussonderungObject.vorgang_id.is_not(None)
        ).order_by(AussonderungObject.id)
    ).all()
    for item in candidates:
        vorgang = db.session.get(Vorgang, item.vorgang_id)
        case = db.session.get(Case, vorgang.case_id) if vorgang is not None else None
        if vorgang is None or case is None:
            continue
        if vorgang.active_hold is not None:
            report.kept.append((vorgang.aktenzeichen, "legal hold"))
            continue
        if vorgang.retention_ends_on is None or vorgang.retention_ends_on >= today:
            report.kept.append((vorgang.aktenzeichen, "retention has not ended"))
            continue
        aktenzeichen = vorgang.aktenzeichen
        try:
            remove_case(case, _DISPOSAL_OF_STATE[item.state], "archive",
                        item.aussonderung_id, item.aussonderung.process_id)
            item.state = OBJECT_DELETED
            db.session.commit()
        except Exception as exc:
            # A store that refuses (WORM) or fails: this Vorgang stays, the next run tries again.
            db.session.rollback()
            log.exception("deleting %s failed", aktenzeichen)
            report.failed.append((aktenzeichen, str(exc)))
            continue
        report.deleted.append(aktenzeichen)
    report.completed = _complete_cycles(actor)
    return report


def _complete_cycles(actor: str) -> list[str]:
    completed = []
    for aussonderung in db.session.scalars(select(Aussonderung).where(Aussonderung.state.in_((ASSESSED, CONFIRMED)))):
        states = {item.state for item in aussonderung.objects}
        if states <= set(OBJECT_FINAL):
            aussonderung.state, aussonderung.completed_at = DELETED, utcnow()
            record(actor, "aussonderung.completed", "aussonderung", aussonderung.process_id)
            completed.append(aussonderung.process_id)
    db.session.commit()
    return completed


def find(process_id: str) -> Aussonderung | None:
    """The current town's cycle with this ProzessID."""
    return db.session.scalar(select(Aussonderung).filter_by(process_id=process_id))
