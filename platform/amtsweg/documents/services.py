"""Receiving, checking, storing and deleting documents.

An upload is streamed to a staging file (hashing and counting as it goes), its type is taken from
its content (libmagic), never from its name or the browser, it is virus-scanned when clamd is
configured, and moved atomically into storage once the transaction recording it has committed
(:mod:`amtsweg.documents.staging`). A refused or rolled-back upload leaves nothing behind.
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
from datetime import timedelta
from pathlib import Path
from typing import IO

import magic
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from amtsweg.clock import utcnow
from amtsweg.documents.models import Document
from amtsweg.documents.scanning import ScanUnavailable, scan_upload
from amtsweg.documents.staging import forget_pending, store_after_commit
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError
from amtsweg.extensions import db
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


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer for download; names with paths are refused."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or name in {".", ".."} or ".." in name or _UNSAFE_NAME.search(name):
        raise UploadRejected(_("Der Dateiname ist nicht zulässig. Bitte benennen Sie die Datei um, z. B. "
                               "„nachweis.pdf“."))
    return name[-200:]


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
                    raise UploadRejected(_("Die Datei ist zu groß. Eine Datei darf höchstens %(size)d MB groß sein.",
                                           size=max_bytes // (1024 * 1024)))
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
) -> Document:
    """Check and store one uploaded file of the current town; adds the Document to the session.

    The caller commits it with its own change; the file reaches storage with that commit. Raises
    UploadRejected (with a message) for an empty, too large, wrongly typed, badly named or infected
    file; nothing is stored then.
    """
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
        now = utcnow()
        key = f"{current_tenant().slug}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"
        store_after_commit(key, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    document = Document(
        storage_key=key, filename=name, content_type=content_type, size=size, sha256=sha256,
        draft_id=draft_id, case_id=case_id, owner_type=owner_type, owner_id=owner_id, source=source,
    )
    db.session.add(document)
    db.session.flush()
    return document


def delete_document(document: Document) -> None:
    """Remove a document's row (in the caller's transaction) and its content."""
    key = document.storage_key
    db.session.delete(document)
    db.session.flush()
    if not forget_pending(key):
        get_storage().delete(key)


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
