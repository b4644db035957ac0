"""Retention of the current town's cases: closed → archived → handed to the archive or deleted.

A closed case is archived ``ARCHIVE_AFTER_DAYS`` after closing. When the retention of the
definition version it was submitted under has run out (``retention.years`` after closing), it is
disposed of: ``archive`` writes an xdomea 0503 package for the archive first, then the case is
deleted; ``delete`` deletes it straight away. Deleting removes the case, its documents (rows and
files), drafts, messages, notes, status links, mails and its audit trail; what remains is one audit
event ``case.deleted`` with the reference and, for ``archive``, the :class:`ArchiveHandoff` row.

Each step of a case is one transaction and may run again: a package that is already complete on
disk is reused, and a case that is gone is simply no longer found.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import IO

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import delete, select

from amtsweg.archive import xdomea
from amtsweg.archive.models import ArchiveHandoff
from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.cases.models import Case, CaseAccessToken, CaseMessage, CaseNote, Draft
from amtsweg.cases.workflow import definition_of
from amtsweg.clock import utcnow
from amtsweg.documents.models import Document
from amtsweg.documents.services import delete_document
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError
from amtsweg.extensions import db
from amtsweg.notifications.models import OutboxMessage
from amtsweg.processes.schema import Retention
from amtsweg.tenancy import current_tenant

log = logging.getLogger(__name__)
ACTOR = "system:retention"
CHUNK = 64 * 1024
# Steps of a case, in the order they run.
ARCHIVE = "archive"
HAND_OFF = "hand_off"
DELETE = "delete"


class IntegrityFailure(DomainError):
    """A stored document does not match its recorded SHA-256; nothing is handed off or deleted."""


@dataclass(frozen=True)
class CaseSteps:
    reference: str
    steps: tuple[str, ...]


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do) in the current town; failures do not stop other cases."""

    done: list[CaseSteps] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def archive_dir() -> Path:
    """Where archive packages are written (ARCHIVE_DIR, else instance/archive)."""
    configured = current_app.config.get("ARCHIVE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "archive"


def closed_at(case: Case) -> datetime:
    """When the case was closed (migration 0011 filled it in for cases closed before it was
    recorded); a row written around the services, e.g. by a bulk load, counts from its last change."""
    return case.closed_at or case.updated_at


def retention_end(closed_on: date, rule: Retention) -> date:
    """The last day a closed case must be kept: ``rule.years`` after the day it was closed."""
    return closed_on + relativedelta(years=rule.years)


def plan(case: Case, today: date) -> tuple[str, ...]:
    """The steps due for ``case`` on ``today`` (none if it is not closed or archived)."""
    if case.status not in ("closed", "archived"):
        return ()
    closed_on = closed_at(case).date()
    steps: list[str] = []
    if case.status == "closed":
        if closed_on + timedelta(days=current_app.config["ARCHIVE_AFTER_DAYS"]) > today:
            return ()
        steps.append(ARCHIVE)
    rule = definition_of(case)[1].retention
    if rule is not None and retention_end(closed_on, rule) <= today:
        steps.append(HAND_OFF if rule.disposal == "archive" else DELETE)
    return tuple(steps)


def run_retention(today: date, *, dry_run: bool = False) -> RetentionReport:
    """Archive and dispose of the current town's cases that are due on ``today``."""
    report = RetentionReport()
    candidates = db.session.execute(
        select(Case.id, Case.reference).where(Case.status.in_(("closed", "archived"))).order_by(Case.id)
    ).all()
    for case_id, reference in candidates:
        try:
            case = db.session.get(Case, case_id)
            if case is None:
                continue
            steps = plan(case, today)
            if not steps:
                continue
            if not dry_run:
                for step in steps:
                    _STEPS[step](case)
        except Exception as exc:
            # One case's broken data or files must not stop the others; it stays as it was.
            db.session.rollback()
            log.exception("retention failed for case %s", reference)
            report.failed.append((reference, str(exc)))
            continue
        report.done.append(CaseSteps(reference, steps))
    return report


def archive_case(case: Case) -> None:
    """Closed → archived, keeping the closing date retention counts from (one transaction)."""
    case.closed_at = closed_at(case)
    case.status = "archived"
    case.archived_at = utcnow()
    record(ACTOR, "case.archived", "case", case.id, reference=case.reference)
    db.session.commit()


def hand_off(case: Case) -> None:
    """Write the case's xdomea package for the archive, record it, then delete the case."""
    definition = definition_of(case)[1]
    closed = closed_at(case)
    rule = definition.retention
    if rule is None:
        raise LookupError(f"the definition of {case.reference} has no retention rule")
    documents = _documents_of(case)
    town = current_tenant()
    casefile = xdomea.CaseFile(
        town_slug=town.slug,
        authority=town.contact.get("authority", town.official_name),
        town_name=town.name,
        reference=case.reference,
        process_title=definition.title.de,
        submitted_on=case.submitted_at.date(),
        closed_on=closed.date(),
        retention_years=rule.years,
        retention_ends_on=retention_end(closed.date(), rule),
        files=tuple(
            xdomea.PrimaryFile(doc.storage_key, doc.filename, doc.content_type, doc.created_at, doc.source)
            for doc in documents
        ),
    )
    envelope = xdomea.Envelope(current_app.config["ARCHIVE_RECIPIENT"], _amtsweg_version(), utcnow())
    # Built and validated before anything is written: an invalid message never leaves.
    message = xdomea.serialize(xdomea.build_message(casefile, envelope))
    relative = Path(town.slug) / xdomea.package_name(casefile.process_id)
    target = archive_dir() / relative
    if not package_complete(target, casefile.process_id, documents):
        _write_package(target, casefile, message, documents)
    digest, size = _sha256_of(target)
    db.session.add(ArchiveHandoff(
        case_reference=case.reference, process_slug=case.process_slug, process_id=casefile.process_id,
        path=relative.as_posix(), sha256=digest, size=size, document_count=len(documents),
        closed_on=closed.date(),
    ))
    _delete(case, documents, "archive", handoff=casefile.process_id)


def delete_case(case: Case) -> None:
    """Delete the case and everything about it, leaving one ``case.deleted`` audit event."""
    _delete(case, _documents_of(case), "delete")


_STEPS = {ARCHIVE: archive_case, HAND_OFF: hand_off, DELETE: delete_case}


def _documents_of(case: Case) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))


def _amtsweg_version() -> str:
    try:
        return metadata.version("amtsweg")
    except metadata.PackageNotFoundError:  # running from a checkout that was not installed
        return "unbekannt"


def _delete(case: Case, documents: Sequence[Document], disposal: str, handoff: str | None = None) -> None:
    reference, process = case.reference, case.process_slug
    for model in (CaseMessage, CaseNote, CaseAccessToken):
        db.session.execute(delete(model).where(model.case_id == case.id))
    db.session.execute(delete(Draft).where(Draft.submission_key == case.idempotency_key))
    # Mails about the case carry the citizen's address and name.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.case_id == case.id))
    # Files go before the commit: if it fails, the rows remain and the next run deletes again.
    for document in documents:
        delete_document(document)
    case_id = case.id
    db.session.delete(case)
    db.session.flush()
    # The case's audit trail goes with it (it names the citizen's files and messages). After the
    # case: on PostgreSQL the append-only audit log lets only events of a case that is gone be deleted.
    db.session.execute(
        delete(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
    )
    # Keyed by the reference: ids of deleted rows may be given out again.
    record(ACTOR, "case.deleted", "case", reference, reference=reference, process=process, disposal=disposal,
           documents=len(documents), **({"handoff": handoff} if handoff else {}))
    db.session.commit()


def package_complete(path: Path, process_id: str, documents: Sequence[Document]) -> bool:
    """Whether ``path`` is a hand-off package of ``process_id`` holding every document intact."""
    if not path.exists():
        return False
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if xdomea.message_name(process_id) not in names:
                return False
            for document in documents:
                name = _file_of(document).package_name
                if name not in names:
                    return False
                with package.open(name) as member:
                    if _hash_stream(member) != document.sha256:
                        return False
    except zipfile.BadZipFile:
        return False
    return True


def _file_of(document: Document) -> xdomea.PrimaryFile:
    return xdomea.PrimaryFile(document.storage_key, document.filename, document.content_type, document.created_at,
                              document.source)


def _hash_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _sha256_of(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        return _hash_stream(handle), path.stat().st_size


def _write_package(target: Path, casefile: xdomea.CaseFile, message: bytes, documents: Sequence[Document]) -> None:
    """Write the ZIP atomically (temporary file, fsync, rename), checking each file's SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".handoff-", suffix=".part")
    temporary = Path(name)
    storage = get_storage()
    try:
        with os.fdopen(handle, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as package:
                package.writestr(xdomea.message_name(casefile.process_id), message)
                for document, item in zip(documents, casefile.files, strict=True):
                    digest = hashlib.sha256()
                    with storage.open(document.storage_key) as source, package.open(item.package_name, "w") as sink:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            sink.write(chunk)
                    if digest.hexdigest() != document.sha256:
                        raise IntegrityFailure(f"document {document.id} of {casefile.reference} does not match "
                                               "its recorded SHA-256")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

