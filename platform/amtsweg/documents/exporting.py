"""The whole Vorgang as one ZIP for a clerk: every version of every document, read from the store
and checked against its recorded SHA-256, with a list of contents (``inhalt.csv``)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from typing import IO

from amtsweg.clock import in_town_time
from amtsweg.documents.models import DocumentVersion, Vorgang
from amtsweg.documents.queries import documents_of_vorgang
from amtsweg.documents.storage import get_storage

CHUNK = 64 * 1024
CONTENTS = "inhalt.csv"


class ContentAltered(RuntimeError):
    """A stored content differs from its recorded SHA-256 (the integrity check reports it too)."""


def zip_name(vorgang: Vorgang) -> str:
    """The download's name: the Aktenzeichen, its slash made safe for a file name."""
    return f"Vorgang-{vorgang.aktenzeichen.replace('/', '_')}.zip"


def _member(position: int, version: DocumentVersion, current: bool) -> str:
    # Numbered, so that two documents of the same name do not collide; older versions in a folder.
    name = f"{position:02d}-{version.filename}"
    return name if current else f"fruehere-versionen/{position:02d}-v{version.number}-{version.filename}"


def write_vorgang_zip(vorgang: Vorgang, target: IO[bytes]) -> None:
    """Write the Vorgang's documents into ``target`` as a ZIP (streamed from the store).
    Raises :class:`ContentAltered` when a stored content does not match its SHA-256."""
    storage = get_storage()
    listing = io.StringIO()
    rows = csv.writer(listing)
    rows.writerow(["datei", "dokument", "version", "sha256", "bytes", "eingang", "von", "am"])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for position, document in enumerate(documents_of_vorgang(vorgang), start=1):
            for version in document.versions:
                member = _member(position, version, version.number == document.current_version.number)
                digest = hashlib.sha256()
                with storage.open(version.storage_key) as source, package.open(member, "w") as sink:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        sink.write(chunk)
                if digest.hexdigest() != version.sha256:
                    raise ContentAltered(f"version {version.number} of document {document.id} of "
                                         f"{vorgang.aktenzeichen} does not match its SHA-256")
                rows.writerow([member, document.id, version.number, version.sha256, version.size, version.channel,
                               version.created_by, in_town_time(version.created_at).isoformat(timespec="seconds")])
        package.writestr(CONTENTS, listing.getvalue())
