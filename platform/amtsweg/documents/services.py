"""Receiving, checking, storing, versioning, locking and deleting documents.

An upload is streamed to a staging file (hashing and counting as it goes), its type is taken from
its content (libmagic), never from its name or the browser, it is virus-scanned when clamd is
configured, and moved atomically into storage once the transaction recording it has committed
(:mod:`amtsweg.documents.staging`). A refused or rolled-back upload leaves nothing behind; a store
that fails after the commit keeps the file in the staging folder, and the staging sweep moves it
later.

A document of a case can be checked out (locked) by one clerk: only they may add a version, and
nobody may delete it until it is checked in. Documents of a Vorgang closed "zu den Akten" can no
longer be changed at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

import magic
from flask import current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from amtsweg.audit.services import record
from amtsweg.clock import utcnow
from amtsweg.documents.models import Document, DocumentVersion, Vorgang
from amtsweg.documents.scanning import ScanUnavailable, scan_upload
from amtsweg.documents.staging import forget_pending, store_after_commit
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError
from amtsweg.extensions import db
from amtsweg.formatting import format_datetime
from amtsweg.tenancy import current_tenant

CHUNK = 64 * 1024
# Content types (as libmagic reports them) for the file types a definition may accept.
CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "pdf": ("application/pdf",),
    "jpeg": ("image/jpeg",),
    "jpg": ("image/jpeg",),
    "png": ("image/png",),
    "gif": ("image/gif",),
    "tiff": ("image/tiff",),
    "heic": ("image/heic", "image/heif"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    "odt": ("application/vnd.oasis.opendocument.text",),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet",),
    "txt": ("text/plain",),
}
# Office files are zip containers: refuse any whose unpacked size would be absurd (zip bombs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


class UploadRejected(DomainError):
    """The upload was refused; ``str(error)`` is the message for the citizen in the page's language."""


class DocumentRefused(DomainError):
    """A change of a document is not allowed now; ``str(error)`` says why, for the clerk."""


@dataclass(frozen=True)
class Editor:
    """A clerk changing documents, as the face knows them from the login: the account's id (it
    holds check-outs), the name recorded, and whether they lead the team (a team lead may release
    another's check-out and set and lift legal holds)."""

    user_id: int
    label: str
    team_lead: bool = False


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer for download; names with paths are refused."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or name in {".", ".."} or ".." in name or _UNSAFE_NAME.search(name):
        raise UploadRejected(_("Der Dateiname ist nicht zulässig. Bitte benennen Sie die Datei um, z. B. "
                               "„nachweis.pdf“."))
    return name[-200:]


def file_too_large_message(max_bytes: int) -> str:
    """What an upload field says of a file over its ``max_bytes`` (the form's script shows the same
    before sending)."""
    return str(_("Die Datei ist zu groß. Eine Datei darf höchstens %(size)d MB groß sein.",
                 size=max_bytes // (1024 * 1024)))


def _receive(stream: IO[bytes], staging: Path, max_bytes: int) -> tuple[Path, int, str]:
    """Stream into a staging file; returns its path, size and SHA-256. Too large: nothing kept."""
    digest = hashlib.sha256()
    size = 0
    handle, name = tempfile.mkstemp(dir=staging, prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(file_too_large_message(max_bytes))
                digest.update(chunk)
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest()


def check_container(source: Path | IO[bytes]) -> None:
    """Refuse a zip container (Office file) that is broken or would unpack to an absurd size."""
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadRejected(_("Die Datei ist beschädigt und kann nicht angenommen werden.")) from exc
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise UploadRejected(_("Die Datei ist ungewöhnlich stark gepackt und kann nicht angenommen werden."))


def detect_type(path: Path, accept: Iterable[str]) -> str:
    """The content type of the file if it is one of the accepted kinds; otherwise UploadRejected."""
    accept = list(accept)
    content_type = magic.from_file(str(path), mime=True)
    allowed = {ct for kind in accept for ct in CONTENT_TYPES.get(kind, ())}
    if content_type not in allowed:
        kinds = ", ".join(kind.upper() for kind in accept)
        raise UploadRejected(_("Der Inhalt der Datei passt nicht zu den erlaubten Dateitypen (%(kinds)s).",
                               kinds=kinds))
    if content_type.startswith("application/vnd."):
        check_container(path)
    return content_type


@dataclass(frozen=True)
class _Received:
    """A checked upload, stored under ``key``."""

    key: str
    filename: str
    content_type: str
    size: int
    sha256: str


def new_storage_key() -> str:
    """A fresh opaque key in the current town's part of the store (never a name someone chose)."""
    now = utcnow()
    return f"{current_tenant().slug}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


def _receive_and_stage(stream: IO[bytes], filename: str, accept: Iterable[str], max_bytes: int) -> _Received:
    """Receive and check one file, to be stored when the current transaction commits;
    UploadRejected (nothing kept) if it is not acceptable."""
    name = clean_filename(filename)
    storage = get_storage()
    path, size, sha256 = _receive(stream, storage.staging_dir(), max_bytes)
    try:
        if size == 0:
            raise UploadRejected(_("Die Datei ist leer. Bitte wählen Sie eine Datei mit Inhalt."))
        content_type = detect_type(path, accept)
        try:
            found = scan_upload(path)
        except ScanUnavailable as exc:
            raise UploadRejected(_(
                "Die Datei konnte gerade nicht auf Schadsoftware geprüft werden. Bitte versuchen Sie es später erneut."
            )) from exc
        if found:
            raise UploadRejected(_("In der Datei wurde Schadsoftware gefunden. Sie wurde nicht gespeichert."))
        key = new_storage_key()
        store_after_commit(key, path, sha256)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Received(key, name, content_type, size, sha256)


def store_upload(
    stream: IO[bytes],
    filename: str,
    *,
    accept: Iterable[str],
    max_bytes: int,
    draft_id: int | None = None,
    case_id: int | None = None,
    owner_type: str | None = None,
    owner_id: int | None = None,
    source: str = "citizen",
    channel: str | None = None,
    created_by: str | None = None,
) -> Document:
    """Check and store one uploaded file of the current town as a new document (version 1); adds it
    to the session.

    The caller commits it with its own change; the file reaches storage with that commit. Raises
    UploadRejected (with a message) for an empty, too large, wrongly typed, badly named or infected
    file; nothing is stored then.
    """
    received = _receive_and_stage(stream, filename, accept, max_bytes)
    document = Document(
        storage_key=received.key, filename=received.filename, content_type=received.content_type,
        size=received.size, sha256=received.sha256, draft_id=draft_id, case_id=case_id, owner_type=owner_type,
        owner_id=owner_id, source=source, channel=channel, created_by=created_by,
    )
    db.session.add(document)
    db.session.flush()
    return document


def file_generated(content: bytes, filename: str, *, case_id: int, kind: str | None = None,
                   content_type: str = "application/pdf") -> Document:
    """File a document the platform made (a letter, a receipt) with the case as a new document
    (version 1, channel "generated"); adds it to the session. Its content reaches storage when the
    caller's transaction commits (store-after-commit; the staging sweep finishes a failed move)."""
    staged = get_storage().staging_dir() / f"generated-{uuid.uuid4().hex}"
    staged.write_bytes(content)
    key, sha256 = new_storage_key(), hashlib.sha256(content).hexdigest()
    store_after_commit(key, staged, sha256)
    document = Document(storage_key=key, filename=filename, content_type=content_type, size=len(content),
                        sha256=sha256, case_id=case_id, source="system", kind=kind)
    db.session.add(document)
    db.session.flush()
    return document


def vorgang_of(document: Document) -> Vorgang | None:
    """The Vorgang the document is part of (None for a draft's or another owner's document)."""
    if document.case_id is None:
        return None
    return db.session.scalar(select(Vorgang).filter_by(case_id=document.case_id))


def _refuse_if_closed(document: Document) -> None:
    vorgang = vorgang_of(document)
    if vorgang is not None and vorgang.closed:
        raise DocumentRefused(_(
            "Der Vorgang %(aktenzeichen)s ist zu den Akten verfügt und kann nicht mehr geändert werden.",
            aktenzeichen=vorgang.aktenzeichen,
        ))


def _refuse_if_locked_by_another(document: Document, editor: Editor) -> None:
    if document.locked_at is not None and document.locked_by_id != editor.user_id:
        raise DocumentRefused(_(
            "„%(name)s“ ist seit %(since)s von %(holder)s ausgecheckt. Bitte warten Sie, bis das Dokument "
            "wieder eingecheckt ist.",
            name=document.filename, since=format_datetime(document.locked_at), holder=document.locked_by,
        ))


def _audit(actor: str, action: str, document: Document, **details: object) -> None:
    """Record a change of a document — on its case when it has one, so that the case's audit trail
    holds its documents' history and goes with it when the case is deleted."""
    if document.case_id is not None:
        record(actor, action, "case", document.case_id, document=document.id, **details)
    else:
        record(actor, action, "document", document.id, **details)


def add_version(
    document: Document, stream: IO[bytes], filename: str, *, editor: Editor,
    accept: Iterable[str] = tuple(CONTENT_TYPES), channel: str = "workbench",
) -> DocumentVersion:
    """Store a new content of ``document`` as its next version (one transaction); the older
    versions stay readable. Refused (DocumentRefused) while another clerk holds the document or
    when its Vorgang is closed; UploadRejected for a file that is not acceptable."""
    _refuse_if_closed(document)
    _refuse_if_locked_by_another(document, editor)
    received = _receive_and_stage(stream, filename, accept, current_app.config["MAX_CONTENT_LENGTH"])
    version = DocumentVersion(
        number=document.current_version.number + 1, storage_key=received.key, filename=received.filename,
        content_type=received.content_type, size=received.size, sha256=received.sha256, channel=channel,
        created_by=editor.label, created_at=utcnow(),
    )
    document.versions.append(version)
    # The document's own columns describe its current version.
    document.storage_key, document.filename = received.key, received.filename
    document.content_type, document.size, document.sha256 = received.content_type, received.size, received.sha256
    _audit(editor.label, "document.version_added", document, version=version.number, sha256=received.sha256,
           size=received.size)
    db.session.commit()
    return version


def lock(document: Document, editor: Editor) -> None:
    """Check the document out for ``editor`` (one transaction); checking out one's own is a no-op."""
    _refuse_if_closed(document)
    _refuse_if_locked_by_another(document, editor)
    if document.locked_at is None:
        document.locked_by_id, document.locked_by, document.locked_at = editor.user_id, editor.label, utcnow()
        _audit(editor.label, "document.locked", document)
    db.session.commit()


def unlock(document: Document, editor: Editor) -> None:
    """Check the document in (one transaction). The holder may; a team lead may release another's."""
    if document.locked_at is not None:
        if not editor.team_lead:
            _refuse_if_locked_by_another(document, editor)
        _audit(editor.label, "document.unlocked", document, holder=document.locked_by)
        document.locked_by_id = document.locked_by = document.locked_at = None
    db.session.commit()


def remove_document(document: Document, editor: Editor) -> None:
    """Delete a document of an open Vorgang with all its versions (one transaction).
    Refused while it is checked out — by anyone — or when its Vorgang is closed."""
    _refuse_if_closed(document)
    if document.locked_at is not None:
        raise DocumentRefused(_(
            "„%(name)s“ ist von %(holder)s ausgecheckt und kann nicht gelöscht werden.",
            name=document.filename, holder=document.locked_by,
        ))
    _audit(editor.label, "document.deleted", document, name=document.filename, versions=len(document.versions))
    delete_document(document)
    db.session.commit()


def delete_document(document: Document) -> None:
    """Remove a document's rows (in the caller's transaction) and the content of all its versions.

    Contents go before the caller's commit: if that fails, the rows remain and the deletion runs
    again; a content already gone is no error.
    """
    keys = [version.storage_key for version in document.versions]
    db.session.delete(document)
    db.session.flush()
    storage = get_storage()
    for key in keys:
        if not forget_pending(key):
            storage.delete(key)


def remove_unlinked_uploads(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete uploads of the current town that belong to nothing (an abandoned or expired draft)."""
    cutoff = utcnow() - older_than
    stale = db.session.scalars(
        select(Document).where(
            Document.case_id.is_(None), Document.draft_id.is_(None), Document.owner_type.is_(None),
            Document.created_at < cutoff,
        )
    ).all()
    for document in stale:
        delete_document(document)
    db.session.commit()
    return len(stale)
