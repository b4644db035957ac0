"""The archive hand-off in xdomea 3.1.0: message 0503 ``Aussonderung.Aussonderung.0503``.

xdomea's Aussonderung normally runs 0501 (offer) → 0502 (appraisal) → 0503 (hand-off). A case whose
definition says ``disposal: archive`` is archival by definition (Aussonderungsart "A"), so it is
handed off directly with 0503. The package is a ZIP named ``<ProzessID>_Aussonderung.Aussonderung.0503.zip``
holding ``<ProzessID>_Aussonderung.Aussonderung.0503.xml`` and the primary files, each named
``<document UUID>_<original name>`` as the schema's Dateiname pattern requires.

Every message is validated against the schema files in ``xsd/`` (copied unmodified from the
standard) before it is written; an invalid message raises :class:`InvalidMessage`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

from amtsweg.errors import DomainError

NAMESPACE = "urn:xoev-de:xdomea:schema:3.1.0"
MESSAGE = "Aussonderung.Aussonderung.0503"
MESSAGE_CODE = "0503"
SCHEMA_FILE = Path(__file__).parent / "xsd" / "3.1.0" / "xdomea.xsd"
# Deterministic ids: the same case always gets the same ProzessID and object ids, so a hand-off
# that is repeated after a crash replaces its own file instead of creating a second one.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://amtsweg.de/xdomea")
# xdomea code list "Dateiformat" (urn:xoev-de:xdomea:codeliste:dateiformat): its codes are the
# usual file extensions; the version is the one of the list these codes were taken from.
DATEIFORMAT_LIST_VERSION = "2.0"
DATEIFORMAT_CODES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/tiff": "tiff",
    "image/heic": "heic",
    "image/heif": "heic",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/plain": "txt",
}
_UNSAFE_IN_ZIP = re.compile(r"[^\w.\-]+")


class InvalidMessage(DomainError):
    """The built message does not validate against the xdomea schema; it must not leave."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("xdomea message is invalid: " + "; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PrimaryFile:
    """One stored document of the case, as it goes into the package."""

    key: str
    original_name: str
    content_type: str
    created_at: datetime
    # Who added it: citizen | clerk | system
    source: str

    @property
    def object_id(self) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, f"document:{self.key}"))

    @property
    def package_name(self) -> str:
        """The file's name inside the ZIP (the schema's Dateiname: UUID, underscore, name)."""
        ascii_name = unicodedata.normalize("NFKD", self.original_name).encode("ascii", "ignore").decode()
        return f"{self.object_id}_{_UNSAFE_IN_ZIP.sub('_', ascii_name).strip('_') or 'datei'}"


@dataclass(frozen=True)
class CaseFile:
    """A case as an xdomea Akte: what the archive needs to find, date and keep it."""

    town_slug: str
    authority: str
    town_name: str
    reference: str
    process_title: str
    submitted_on: date
    closed_on: date
    retention_years: int
    retention_ends_on: date
    files: tuple[PrimaryFile, ...]

    @property
    def process_id(self) -> str:
        """The message's ProzessID (also the package's file name)."""
        return str(uuid.uuid5(ID_NAMESPACE, f"handoff:{self.town_slug}:{self.reference}"))

    @property
    def record_id(self) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, f"case:{self.town_slug}:{self.reference}"))


@dataclass(frozen=True)
class Envelope:
    """The message head's parties and system."""

    recipient: str
    system_version: str
    created_at: datetime


def package_name(process_id: str) -> str:
    """The ZIP file name of the hand-off message of one process (case)."""
    return f"{process_id}_{MESSAGE}.zip"


def message_name(process_id: str) -> str:
    """The XML file name of the hand-off message inside its ZIP package."""
    return f"{process_id}_{MESSAGE}.xml"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _code(parent: etree._Element, name: str, code: str, label: str | None = None, **attributes: str) -> None:
    """A xoev code element: its children ``code`` and ``name`` are unqualified."""
    element = _sub(parent, name, **attributes)
    etree.SubElement(element, "code").text = code
    if label:
        etree.SubElement(element, "name").text = label


def _institution(parent: etree._Element, name: str) -> None:
    _sub(_sub(parent, "Institution"), "Name", name)


def _head(root: etree._Element, record: CaseFile, envelope: Envelope) -> None:
    head = _sub(root, "Kopf")
    _sub(head, "ProzessID", record.process_id)
    _code(head, "Nachrichtentyp", MESSAGE_CODE, MESSAGE,
          listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp", listVersionID="2.0")
    _sub(head, "Erstellungszeitpunkt", envelope.created_at.isoformat(timespec="seconds"))
    sender = _sub(head, "Absender")
    # The town has no DVDV key on record; its slug stands for it and the name says who it is.
    _code(_sub(sender, "Behoerdenkennung"), "Behoerdenschluessel", record.town_slug, record.town_name)
    _institution(sender, record.authority)
    _institution(_sub(head, "Empfaenger"), envelope.recipient)
    system = _sub(head, "SendendesSystem")
    _sub(system, "Produktname", "amtsweg")
    _sub(system, "Version", envelope.system_version)
    # 0503 always asks for an import confirmation (fixed by the schema); archive signatures and a
    # receipt are not asked for because nothing in amtsweg would receive them.
    _sub(head, "Importbestaetigung", "1")
    _sub(head, "RueckmeldungArchivkennung", "0")
    _sub(head, "Empfangsbestaetigung", "0")


def _document(parent: etree._Element, position: int, item: PrimaryFile) -> None:
    document = _sub(parent, "Dokument")
    identification = _sub(document, "Identifikation")
    _sub(identification, "ID", item.object_id)
    _sub(identification, "NummerImUebergeordnetenContainer", str(position))
    _sub(_sub(document, "AllgemeineMetadaten"), "Betreff", item.original_name)
    if item.source == "citizen":
        _sub(document, "Posteingangsdatum", item.created_at.date().isoformat())
    version = _sub(document, "Version")
    _sub(version, "Nummer", "1")
    file_format = _sub(version, "Format")
    code = DATEIFORMAT_CODES.get(item.content_type)
    if code is None:
        _code(file_format, "Name", "Sonstiges", listVersionID=DATEIFORMAT_LIST_VERSION)
        _sub(file_format, "SonstigerName", item.content_type)
    else:
        _code(file_format, "Name", code, listVersionID=DATEIFORMAT_LIST_VERSION)
    # The format version is not recorded at upload; the schema requires the element.
    _sub(file_format, "Version", "")
    primary = _sub(file_format, "Primaerdokument")
    _sub(primary, "Dateiname", item.package_name)
    _sub(primary, "DateinameOriginal", item.original_name)
    _sub(primary, "Ersteller", "Antragsteller" if item.source == "citizen" else "Verwaltung")
    _sub(primary, "DatumUhrzeit", item.created_at.isoformat(timespec="seconds"))


def build_message(record: CaseFile, envelope: Envelope) -> etree._Element:
    """The 0503 message for one case (not yet validated)."""
    root = etree.Element(f"{{{NAMESPACE}}}{MESSAGE}", nsmap={"xdomea": NAMESPACE})
    _head(root, record, envelope)
    akte = _sub(_sub(root, "Schriftgutobjekt"), "Akte")
    _sub(_sub(akte, "Identifikation"), "ID", record.record_id)
    general = _sub(akte, "AllgemeineMetadaten")
    _sub(general, "Betreff", f"{record.process_title} – {record.reference}")
    _sub(general, "Kennzeichen", record.reference)
    archival = _sub(akte, "ArchivspezifischeMetadaten")
    _sub(_sub(archival, "Aufbewahrungsdauer"), "AnzahlJahre", str(record.retention_years))
    _code(_sub(archival, "Aussonderungsart"), "Aussonderungsart", "A", "archivwürdig",
          listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart", listVersionID="1.0")
    _sub(archival, "Aufbewahrungsende", record.retention_ends_on.isoformat())
    period = _sub(akte, "Laufzeit")
    _sub(period, "Beginn", record.submitted_on.isoformat())
    _sub(period, "Ende", record.closed_on.isoformat())
    content = _sub(akte, "Akteninhalt")
    for position, item in enumerate(record.files, start=1):
        _document(content, position, item)
    _sub(akte, "ZdA", "1")
    _sub(akte, "ZdADatum", record.closed_on.isoformat())
    return root


@cache
def schema() -> etree.XMLSchema:
    """The xdomea 3.1.0 schema (loaded once; the includes resolve relative to the entry file)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def validate(root: etree._Element) -> None:
    """Raise :class:`InvalidMessage` with the schema's complaints unless ``root`` is valid."""
    checker = schema()
    if not checker.validate(root):
        raise InvalidMessage([f"line {error.line}: {error.message}" for error in checker.error_log])


def serialize(root: etree._Element) -> bytes:
    """The validated message as UTF-8 XML; an invalid one raises :class:`InvalidMessage`."""
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
