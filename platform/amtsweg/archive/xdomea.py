"""The xdomea 3.1.0 Aussonderung messages: built, read and always checked against the schema.

One Aussonderung runs under one ProzessID::

    town → archive   0501 Anbieteverzeichnis      the Vorgänge whose retention ended (metadata only)
    archive → town   0504 AnbietungEmpfangBestaetigen   receipt of the 0501 (asked for in its head)
    archive → town   0502 Bewertungsverzeichnis   A (archivwürdig) or V (vernichten) per object
    town → archive   0505 BewertungEmpfangBestaetigen   receipt of the 0502, when the archive asks
    town → archive   0503 Aussonderung            the A objects with every version of every document
    archive → town   0507 AussonderungEmpfangBestaetigen  receipt of the 0503 (asked for)
    archive → town   0506 AussonderungImportBestaetigen   imported or not, per object

Every message travels as a ZIP named ``<ProzessID>_<message>.zip`` holding ``<ProzessID>_<message>.xml``
(and, for 0503, the primary files named ``<UUID>_<original name>`` as the schema's Dateiname
wants). xdomea has no element for checksums, so each document's SHA-256 per version travels in
its ``AnwendungsspezifischeErweiterung`` (Kennung :data:`CHECKSUM_EXTENSION`).

Both sides of the exchange are built here, so the archive simulator and the tests speak exactly
what amtsweg reads. Every built message is validated before it is returned
(:class:`InvalidMessage`), every read message before it is used.
"""

from __future__ import annotations

import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

from amtsweg.clock import in_town_time
from amtsweg.errors import DomainError

NAMESPACE = "urn:xoev-de:xdomea:schema:3.1.0"
SCHEMA_FILE = Path(__file__).parent / "xsd" / "3.1.0" / "xdomea.xsd"
MESSAGES = {
    "0501": "Aussonderung.Anbieteverzeichnis.0501",
    "0502": "Aussonderung.Bewertungsverzeichnis.0502",
    "0503": "Aussonderung.Aussonderung.0503",
    "0504": "Aussonderung.AnbietungEmpfangBestaetigen.0504",
    "0505": "Aussonderung.BewertungEmpfangBestaetigen.0505",
    "0506": "Aussonderung.AussonderungImportBestaetigen.0506",
    "0507": "Aussonderung.AussonderungEmpfangBestaetigen.0507",
}
CODE_OF_ROOT = {name: code for code, name in MESSAGES.items()}
# Derived ids (document and file) are stable: a package rebuilt after a crash is the same package.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://amtsweg.de/xdomea")
CHECKSUM_EXTENSION = "amtsweg:pruefsummen"
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
HINT_LABELS = {"A": "archivwürdig", "B": "bewerten", "V": "vernichten"}
_UNSAFE_IN_ZIP = re.compile(r"[^\w.\-]+")
# Refuse what no honest message needs: external entities, network access, gigantic trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
_MESSAGE_FILE = re.compile(r"[0-9a-fA-F-]{36}_Aussonderung\.\w+\.05\d\d\.xml")


class InvalidMessage(DomainError):
    """A message does not validate against the xdomea schema (or is not XML at all)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("xdomea message is invalid: " + "; ".join(errors))
        self.errors = errors


# --------------------------------------------------------------------------- what goes in


@dataclass(frozen=True)
class Party:
    """Sender or recipient: an authority key (the town's slug) where it has one, and its name."""

    name: str
    key: str = ""
    key_label: str = ""


@dataclass(frozen=True)
class Envelope:
    """The head of one message."""

    process_id: str
    sender: Party
    recipient: Party
    system_version: str
    created_at: datetime


@dataclass(frozen=True)
class FileVersion:
    """One stored version of a document, as it goes into a hand-off."""

    number: int
    key: str
    original_name: str
    content_type: str
    created_at: datetime
    created_by: str
    sha256: str

    @property
    def file_id(self) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, f"version:{self.key}"))

    @property
    def package_name(self) -> str:
        """The file's name in the ZIP (the schema's Dateiname: UUID, underscore, name)."""
        ascii_name = unicodedata.normalize("NFKD", self.original_name).encode("ascii", "ignore").decode()
        return f"{self.file_id}_{_UNSAFE_IN_ZIP.sub('_', ascii_name).strip('_') or 'datei'}"


@dataclass(frozen=True)
class DocumentRecord:
    """A document of a Vorgang: its first version's key names it for good."""

    first_key: str
    title: str
    # The day it came in from outside (a citizen's upload); None for what the town wrote.
    received_on: date | None
    versions: tuple[FileVersion, ...]

    @property
    def object_id(self) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, f"document:{self.first_key}"))


@dataclass(frozen=True)
class VorgangRecord:
    """A Vorgang as the archive sees it (no personal data in the metadata)."""

    object_id: str
    aktenzeichen: str
    subject: str
    akte_title: str
    unit_number: str
    unit_title: str
    retention_years: int
    retention_ends_on: date
    # A | B | V: the town's hint (0501) or the archive's decision (0503)
    assessment: str
    opened_on: date
    closed_on: date
    documents: tuple[DocumentRecord, ...]


@dataclass(frozen=True)
class ImportOutcome:
    """One object's result in a 0506."""

    object_id: str
    imported: bool
    errors: tuple[str, ...] = ()
    archive_reference: str = ""


# --------------------------------------------------------------------------- building


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


def _party(parent: etree._Element, name: str, party: Party) -> None:
    contact = _sub(parent, name)
    if party.key:
        _code(_sub(contact, "Behoerdenkennung"), "Behoerdenschluessel", party.key, party.key_label or None)
    _sub(_sub(contact, "Institution"), "Name", party.name)


def _root(code: str, envelope: Envelope) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{NAMESPACE}}}{MESSAGES[code]}", nsmap={"xdomea": NAMESPACE})
    head = _sub(root, "Kopf")
    _sub(head, "ProzessID", envelope.process_id)
    _code(head, "Nachrichtentyp", code, MESSAGES[code],
          listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp", listVersionID="2.0")
    _sub(head, "Erstellungszeitpunkt", in_town_time(envelope.created_at).isoformat(timespec="seconds"))
    _party(head, "Absender", envelope.sender)
    _party(head, "Empfaenger", envelope.recipient)
    system = _sub(head, "SendendesSystem")
    _sub(system, "Produktname", "amtsweg")
    _sub(system, "Version", envelope.system_version)
    return root, head


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _assessment(parent: etree._Element, code: str) -> None:
    _code(_sub(parent, "Aussonderungsart"), "Aussonderungsart", code, HINT_LABELS[code],
          listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart", listVersionID="1.0")


def _checksums(document: etree._Element, record: DocumentRecord) -> None:
    extension = _sub(document, "AnwendungsspezifischeErweiterung")
    _sub(extension, "Kennung", CHECKSUM_EXTENSION)
    _sub(extension, "Name", "SHA-256-Prüfsummen der Primärdateien")
    for version in record.versions:
        field = _sub(extension, "Feld")
        _sub(field, "Name", version.package_name)
        _sub(field, "Beschreibung", f"SHA-256 der Version {version.number}")
        _sub(field, "Wert", version.sha256)


def _file_version(document: etree._Element, version: FileVersion) -> None:
    element = _sub(document, "Version")
    _sub(element, "Nummer", str(version.number))
    file_format = _sub(element, "Format")
    code = DATEIFORMAT_CODES.get(version.content_type)
    if code is None:
        _code(file_format, "Name", "Sonstiges", listVersionID=DATEIFORMAT_LIST_VERSION)
        _sub(file_format, "SonstigerName", version.content_type)
    else:
        _code(file_format, "Name", code, listVersionID=DATEIFORMAT_LIST_VERSION)
    # The format version is not recorded at upload; the schema requires the element.
    _sub(file_format, "Version", "")
    primary = _sub(file_format, "Primaerdokument")
    _sub(primary, "Dateiname", version.package_name)
    _sub(primary, "DateinameOriginal", version.original_name)
    _sub(primary, "Ersteller", version.created_by)
    _sub(primary, "DatumUhrzeit", in_town_time(version.created_at).isoformat(timespec="seconds"))


def _document(parent: etree._Element, position: int, record: DocumentRecord, with_files: bool) -> None:
    document = _sub(parent, "Dokument")
    identification = _sub(document, "Identifikation")
    _sub(identification, "ID", record.object_id)
    _sub(identification, "NummerImUebergeordnetenContainer", str(position))
    _sub(_sub(document, "AllgemeineMetadaten"), "Betreff", record.title)
    if record.received_on is not None:
        _sub(document, "Posteingangsdatum", record.received_on.isoformat())
    if with_files:
        for version in record.versions:
            _file_version(document, version)
        _checksums(document, record)


def _vorgang(parent: etree._Element, record: VorgangRecord, with_files: bool, proposal: bool) -> None:
    vorgang = _sub(_sub(parent, "Schriftgutobjekt"), "Vorgang")
    _sub(_sub(vorgang, "Identifikation"), "ID", record.object_id)
    general = _sub(vorgang, "AllgemeineMetadaten")
    _sub(general, "Betreff", record.subject)
    _sub(general, "Kennzeichen", record.aktenzeichen)
    unit = _sub(general, "Aktenplaneinheit")
    _sub(unit, "Kennzeichen", record.unit_number)
    _sub(unit, "Inhaltsangabe", record.unit_title)
    archival = _sub(vorgang, "ArchivspezifischeMetadaten")
    _sub(_sub(archival, "Aufbewahrungsdauer"), "AnzahlJahre", str(record.retention_years))
    _assessment(archival, record.assessment)
    if proposal and record.assessment in ("A", "V"):
        # The town's proposal, where its hint is a decision and not "please assess".
        _code(archival, "Bewertungsvorschlag", record.assessment, HINT_LABELS[record.assessment],
              listURI="urn:xoev-de:xdomea:codeliste:bewertungsvorschlag", listVersionID="1.0")
    _sub(archival, "Aufbewahrungsende", record.retention_ends_on.isoformat())
    _sub(vorgang, "Aktenbetreff", record.akte_title)
    _sub(vorgang, "ZdA", "1")
    _sub(vorgang, "ZdADatum", record.closed_on.isoformat())
    period = _sub(vorgang, "Laufzeit")
    _sub(period, "Beginn", record.opened_on.isoformat())
    _sub(period, "Ende", record.closed_on.isoformat())
    for position, document in enumerate(record.documents, start=1):
        _document(vorgang, position, document, with_files)


def build_offer(envelope: Envelope, vorgaenge: Sequence[VorgangRecord]) -> bytes:
    """0501: the offer, metadata only, asking for a receipt (0504)."""
    root, head = _root("0501", envelope)
    _sub(head, "Empfangsbestaetigung", _flag(True))
    for record in vorgaenge:
        _vorgang(root, record, with_files=False, proposal=True)
    return serialize(root)


def build_assessment(envelope: Envelope, decisions: Iterable[tuple[str, str]], receipt: bool = True) -> bytes:
    """0502 (the archive's): A or V per offered object id."""
    root, head = _root("0502", envelope)
    _sub(head, "Empfangsbestaetigung", _flag(receipt))
    for object_id, decision in decisions:
        assessed = _sub(root, "BewertetesObjekt")
        _sub(assessed, "ID", object_id)
        _assessment(assessed, decision)
    return serialize(root)


def build_handoff(envelope: Envelope, vorgaenge: Sequence[VorgangRecord]) -> bytes:
    """0503: the objects the archive wants with all their files, asking for the import
    confirmation (fixed by the schema), the archive's references and a receipt (0507)."""
    root, head = _root("0503", envelope)
    _sub(head, "Importbestaetigung", "1")
    _sub(head, "RueckmeldungArchivkennung", _flag(True))
    _sub(head, "Empfangsbestaetigung", _flag(True))
    for record in vorgaenge:
        _vorgang(root, record, with_files=True, proposal=False)
    return serialize(root)


def build_receipt(code: str, envelope: Envelope) -> bytes:
    """0504, 0505 or 0507: a receipt, nothing but the head."""
    if code not in ("0504", "0505", "0507"):
        raise ValueError(f"{code} is not a receipt")
    return serialize(_root(code, envelope)[0])


def build_import_confirmation(envelope: Envelope, outcomes: Iterable[ImportOutcome]) -> bytes:
    """0506 (the archive's): imported or not, per handed-off object."""
    root, _ = _root("0506", envelope)
    for outcome in outcomes:
        item = _sub(root, "AusgesondertesSGO")
        _sub(item, "IDSGO", outcome.object_id)
        _sub(item, "Erfolgreich", _flag(outcome.imported))
        for error in outcome.errors:
            _sub(item, "Fehlermeldung", error)
        if outcome.archive_reference:
            _sub(item, "Archivkennung", outcome.archive_reference)
    return serialize(root)


@cache
def schema() -> etree.XMLSchema:
    """The xdomea 3.1.0 schema (loaded once; the includes resolve relative to the entry file)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def validate(root: etree._Element) -> None:
    """Raise :class:`InvalidMessage` with the schema's complaints unless ``root`` is valid."""
    checker = schema()
    try:
        valid = checker.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise InvalidMessage([f"the schema validator gave up: {exc}"]) from exc
    if not valid:
        raise InvalidMessage([f"line {error.line}: {error.message}" for error in checker.error_log])


def serialize(root: etree._Element) -> bytes:
    """The validated message as UTF-8 XML; an invalid one raises :class:`InvalidMessage`."""
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- containers


def message_name(process_id: str, code: str) -> str:
    """The message file's name inside its container, e.g. ``<ProzessID>_Aussonderung.Aussonderung.0503.xml``."""
    return f"{process_id}_{MESSAGES[code]}.xml"


def package_name(process_id: str, code: str) -> str:
    """The container's file name, e.g. ``<ProzessID>_Aussonderung.Anbieteverzeichnis.0501.zip``."""
    return f"{process_id}_{MESSAGES[code]}.zip"


def container(process_id: str, code: str, message: bytes) -> bytes:
    """A message without files in its ZIP container."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(message_name(process_id, code), message)
    return buffer.getvalue()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Message:
    """A received message, validated: its type, head and XML."""

    code: str
    process_id: str
    root: etree._Element
    recipient_key: str
    recipient_name: str
    # The ZIP it came in (None for bare XML): a 0503's files are read from it.
    package: bytes | None = None

    def find(self, path: str) -> etree._Element | None:
        return self.root.find(path, {"x": NAMESPACE})

    def findall(self, path: str) -> list[etree._Element]:
        return self.root.findall(path, {"x": NAMESPACE})

    def findtext(self, path: str) -> str:
        return (self.root.findtext(path, default="", namespaces={"x": NAMESPACE}) or "").strip()

    @property
    def receipt_requested(self) -> bool:
        return self.findtext("x:Kopf/x:Empfangsbestaetigung") in ("1", "true")

    @property
    def sender(self) -> Party:
        return _party_of(self.find("x:Kopf/x:Absender"))


def _party_of(element: etree._Element | None) -> Party:
    if element is None:
        return Party("")
    ns = {"x": NAMESPACE}
    return Party(
        name=(element.findtext("x:Institution/x:Name", default="", namespaces=ns) or "").strip(),
        key=(element.findtext("x:Behoerdenkennung/x:Behoerdenschluessel/code", default="", namespaces=ns)
             or "").strip(),
        key_label=(element.findtext("x:Behoerdenkennung/x:Behoerdenschluessel/name", default="", namespaces=ns)
                   or "").strip(),
    )


def _unpack(data: bytes) -> tuple[bytes, bytes | None]:
    """The message XML of a ZIP container (and the container), or the bare XML itself."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data, None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = [name for name in package.namelist() if _MESSAGE_FILE.fullmatch(name)]
            if len(names) != 1:
                raise InvalidMessage(["the ZIP container must hold exactly one message file "
                                      "<ProzessID>_<message>.xml"])
            info = package.getinfo(names[0])
            if info.file_size > MAX_MESSAGE_BYTES:
                raise InvalidMessage([f"the message file is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB"])
            return package.read(info), data
    except zipfile.BadZipFile as exc:
        raise InvalidMessage([f"the ZIP container is damaged: {exc}"]) from exc


def read(data: bytes) -> Message:
    """Parse and validate a received message (a ZIP container or bare XML)."""
    xml, package = _unpack(data)
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidMessage([f"not well-formed XML: {exc}"]) from exc
    if root.getroottree().docinfo.doctype:
        # xdomea messages have none; a DOCTYPE only brings entities (XXE, expansion bombs).
        raise InvalidMessage(["a DOCTYPE declaration is not allowed in an xdomea message"])
    if etree.QName(root).namespace != NAMESPACE:
        raise InvalidMessage([f"not an xdomea 3.1.0 message (namespace {etree.QName(root).namespace!r})"])
    validate(root)
    local = etree.QName(root).localname
    code = CODE_OF_ROOT.get(local)
    if code is None:
        raise InvalidMessage([f"{local} is not a message of the Aussonderung"])
    message = Message(code=code, process_id="", root=root, recipient_key="", recipient_name="", package=package)
    recipient = _party_of(message.find("x:Kopf/x:Empfaenger"))
    return Message(code=code, process_id=message.findtext("x:Kopf/x:ProzessID"), root=root,
                   recipient_key=recipient.key, recipient_name=recipient.name, package=package)


def assessments(message: Message) -> list[tuple[str, str]]:
    """0502: (object id, A | B | V) for every assessed object, in message order."""
    return [
        (item.findtext(f"{{{NAMESPACE}}}ID", "").strip(),
         item.findtext(f"{{{NAMESPACE}}}Aussonderungsart/{{{NAMESPACE}}}Aussonderungsart/code", "").strip())
        for item in message.findall("x:BewertetesObjekt")
    ]


def import_outcomes(message: Message) -> list[ImportOutcome]:
    """0506: the archive's result for every object."""
    ns = f"{{{NAMESPACE}}}"
    return [
        ImportOutcome(
            object_id=item.findtext(f"{ns}IDSGO", "").strip(),
            imported=item.findtext(f"{ns}Erfolgreich", "").strip() in ("1", "true"),
            errors=tuple((error.text or "").strip() for error in item.findall(f"{ns}Fehlermeldung")),
            archive_reference=(item.findtext(f"{ns}Archivkennung", "") or "").strip(),
        )
        for item in message.findall("x:AusgesondertesSGO")
    ]


@dataclass(frozen=True)
class OfferedObject:
    """What a 0501 or 0503 says about one Vorgang (as the archive reads it)."""

    object_id: str
    aktenzeichen: str
    unit_number: str
    assessment: str
    proposal: str
    # 0503 only: (Dateiname, SHA-256 as sent) per primary file
    files: tuple[tuple[str, str], ...]


def offered_objects(message: Message) -> list[OfferedObject]:
    """The Vorgänge of a 0501 or 0503."""
    ns = {"x": NAMESPACE}
    objects = []
    for vorgang in message.findall("x:Schriftgutobjekt/x:Vorgang"):
        checksums = {
            (field.findtext("x:Name", "", ns) or "").strip(): (field.findtext("x:Wert", "", ns) or "").strip()
            for field in vorgang.iterfind(
                f"x:Dokument/x:AnwendungsspezifischeErweiterung[x:Kennung='{CHECKSUM_EXTENSION}']/x:Feld", ns)
        }
        names = [(name.text or "").strip() for name in vorgang.iterfind(".//x:Primaerdokument/x:Dateiname", ns)]
        objects.append(OfferedObject(
            object_id=(vorgang.findtext("x:Identifikation/x:ID", "", ns) or "").strip(),
            aktenzeichen=(vorgang.findtext("x:AllgemeineMetadaten/x:Kennzeichen", "", ns) or "").strip(),
            unit_number=(vorgang.findtext("x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen", "", ns)
                         or "").strip(),
            assessment=(vorgang.findtext("x:ArchivspezifischeMetadaten/x:Aussonderungsart/x:Aussonderungsart/code",
                                         "", ns) or "").strip(),
            proposal=(vorgang.findtext("x:ArchivspezifischeMetadaten/x:Bewertungsvorschlag/code", "", ns)
                      or "").strip(),
            files=tuple((name, checksums.get(name, "")) for name in names),
        ))
    return objects
