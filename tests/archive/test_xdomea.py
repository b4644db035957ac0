"""The xdomea 3.1.0 Aussonderung messages: every one built validates; one missing a required
element never leaves; what is read is validated first and hostile input is refused."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from amtsweg.archive import xdomea
from lxml import etree

PROCESS_ID = "3f2a7c1e-5b4d-4e8f-9a10-2b3c4d5e6f70"
TOWN = xdomea.Party("Magistrat der Stadt Usingen", "usingen", "Usingen")
ARCHIVE = xdomea.Party("Hessisches Landesarchiv")
FROM_TOWN = xdomea.Envelope(PROCESS_ID, TOWN, ARCHIVE, "0.1.0", datetime(2026, 11, 25, 3, tzinfo=UTC))
FROM_ARCHIVE = xdomea.Envelope(PROCESS_ID, ARCHIVE, TOWN, "1.0", datetime(2026, 11, 26, 9, tzinfo=UTC))
VORGANG = xdomea.VorgangRecord(
    object_id="0b7e8f02-1c3d-4a5b-8c6d-7e8f9a0b1c2d", aktenzeichen="1.4.5-2020/7",
    subject="Fischereischein beantragen oder verlängern – US-2020-000007", akte_title="Fischerei",
    unit_number="1.4.5", unit_title="Fischerei", retention_years=10, retention_ends_on=date(2030, 12, 31),
    assessment="A", opened_on=date(2020, 1, 2), closed_on=date(2020, 2, 3),
    documents=(
        xdomea.DocumentRecord("usingen/2020/01/abc", "Lichtbild Ämter.heic", date(2020, 1, 2), (
            xdomea.FileVersion(1, "usingen/2020/01/abc", "Lichtbild Ämter.heic", "image/heic",
                               datetime(2020, 1, 2, 9, tzinfo=UTC), "Antragsteller", "a" * 64),
            xdomea.FileVersion(2, "usingen/2020/01/abd", "Lichtbild neu.jpg", "image/jpeg",
                               datetime(2020, 1, 5, 9, tzinfo=UTC), "Sabine Sachbearbeiterin", "b" * 64),
        )),
        xdomea.DocumentRecord("usingen/2020/02/def", "daten.xml", None, (
            xdomea.FileVersion(1, "usingen/2020/02/def", "daten.xml", "application/xml",
                               datetime(2020, 2, 3, 9, tzinfo=UTC), "amtsweg", "c" * 64),
        )),
    ),
)
NS = {"x": xdomea.NAMESPACE}


def test_a_hand_off_validates_names_its_files_as_the_schema_requires_and_carries_their_checksums() -> None:
    message = etree.fromstring(xdomea.build_handoff(FROM_TOWN, [VORGANG]))

    assert etree.QName(message).localname == "Aussonderung.Aussonderung.0503"
    names = [element.text for element in message.iterfind(".//x:Primaerdokument/x:Dateiname", NS)]
    versions = [v for d in VORGANG.documents for v in d.versions]
    assert names == [version.package_name for version in versions]
    assert names[0].endswith("_Lichtbild_Amter.heic")
    assert len({name.split("_")[0] for name in names}) == 3  # one UUID per file
    # A type outside the code list is "Sonstiges" with its MIME type as the other name.
    assert message.findtext(".//x:Dokument[2]//x:SonstigerName", namespaces=NS) == "application/xml"
    fields = {field.findtext("x:Name", namespaces=NS): field.findtext("x:Wert", namespaces=NS)
              for field in message.iterfind(".//x:AnwendungsspezifischeErweiterung/x:Feld", NS)}
    assert fields == {version.package_name: version.sha256 for version in versions}
    assert [n.text for n in message.iterfind(".//x:Dokument[1]/x:Version/x:Nummer", NS)] == ["1", "2"]
    assert message.findtext(".//x:Vorgang/x:AllgemeineMetadaten/x:Kennzeichen", namespaces=NS) == "1.4.5-2020/7"


def test_an_offer_carries_metadata_only_with_the_hint_and_asks_for_a_receipt() -> None:
    offer = etree.fromstring(xdomea.build_offer(FROM_TOWN, [VORGANG]))

    assert offer.findall(".//x:Primaerdokument", NS) == []
    assert offer.findtext("x:Kopf/x:Empfangsbestaetigung", namespaces=NS) == "1"
    archival = ".//x:Vorgang/x:ArchivspezifischeMetadaten/"
    assert offer.findtext(archival + "x:Aussonderungsart/x:Aussonderungsart/code", namespaces=NS) == "A"
    assert offer.findtext(archival + "x:Bewertungsvorschlag/code", namespaces=NS) == "A"
    assert offer.findtext(archival + "x:Aufbewahrungsende", namespaces=NS) == "2030-12-31"
    assert offer.findtext("x:Kopf/x:Absender/x:Behoerdenkennung/x:Behoerdenschluessel/code", namespaces=NS) == "usingen"


def test_derived_ids_are_stable_so_a_rebuilt_package_is_the_same() -> None:
    again = xdomea.build_handoff(FROM_TOWN, [VORGANG])
    first = etree.fromstring(again)
    second = etree.fromstring(xdomea.build_handoff(FROM_TOWN, [VORGANG]))
    ids = ".//x:Dokument/x:Identifikation/x:ID"
    assert [e.text for e in first.iterfind(ids, NS)] == [e.text for e in second.iterfind(ids, NS)]
    assert xdomea.package_name(PROCESS_ID, "0503") == f"{PROCESS_ID}_Aussonderung.Aussonderung.0503.zip"


def test_a_message_missing_a_required_element_is_refused() -> None:
    root, head = xdomea._root("0504", FROM_ARCHIVE)
    head.remove(head.find(f"{{{xdomea.NAMESPACE}}}ProzessID"))

    with pytest.raises(xdomea.InvalidMessage) as refused:
        xdomea.serialize(root)

    assert any("ProzessID" in error for error in refused.value.errors)


@pytest.mark.parametrize(("code", "build"), [
    ("0501", lambda: xdomea.build_offer(FROM_TOWN, [VORGANG])),
    ("0502", lambda: xdomea.build_assessment(FROM_ARCHIVE, [(VORGANG.object_id, "V")])),
    ("0503", lambda: xdomea.build_handoff(FROM_TOWN, [VORGANG])),
    ("0504", lambda: xdomea.build_receipt("0504", FROM_ARCHIVE)),
    ("0505", lambda: xdomea.build_receipt("0505", FROM_TOWN)),
    ("0506", lambda: xdomea.build_import_confirmation(FROM_ARCHIVE, [
        xdomea.ImportOutcome(VORGANG.object_id, False, ("Format nicht lesbar",))])),
    ("0507", lambda: xdomea.build_receipt("0507", FROM_ARCHIVE)),
])
def test_every_message_of_the_cycle_is_built_valid_and_read_back_from_its_container(code, build) -> None:
    message = xdomea.read(xdomea.container(PROCESS_ID, code, build()))

    assert (message.code, message.process_id) == (code, PROCESS_ID)
    expected = TOWN if code in ("0502", "0504", "0506", "0507") else ARCHIVE
    assert (message.recipient_key, message.recipient_name) == (expected.key, expected.name)


def test_the_archives_answers_are_read_per_object() -> None:
    assessment = xdomea.read(xdomea.build_assessment(FROM_ARCHIVE, [(VORGANG.object_id, "V"), (PROCESS_ID, "A")]))
    confirmation = xdomea.read(xdomea.build_import_confirmation(FROM_ARCHIVE, [
        xdomea.ImportOutcome(VORGANG.object_id, True, archive_reference="HStAD 123")]))

    assert xdomea.assessments(assessment) == [(VORGANG.object_id, "V"), (PROCESS_ID, "A")]
    assert xdomea.import_outcomes(confirmation) == [xdomea.ImportOutcome(VORGANG.object_id, True, (), "HStAD 123")]


@pytest.mark.parametrize(("data", "complaint"), [
    (b"kein XML", "not well-formed XML"),
    (b"<a xmlns='urn:example'/>", "not an xdomea 3.1.0 message"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<x:Aussonderung.AnbietungEmpfangBestaetigen.0504 xmlns:x="urn:xoev-de:xdomea:schema:3.1.0">&e;'
     b"</x:Aussonderung.AnbietungEmpfangBestaetigen.0504>", "a DOCTYPE declaration is not allowed"),
])
def test_what_is_not_a_valid_message_is_refused_with_the_reason(data: bytes, complaint: str) -> None:
    with pytest.raises(xdomea.InvalidMessage) as refused:
        xdomea.read(data)

    assert complaint in str(refused.value)
    assert "root:" not in str(refused.value)  # the entity was never resolved


def test_a_container_without_its_message_file_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("anschreiben.pdf", b"%PDF")

    with pytest.raises(xdomea.InvalidMessage, match="exactly one message file"):
        xdomea.read(buffer.getvalue())


def test_a_message_outside_the_aussonderung_is_refused() -> None:
    root = etree.Element(f"{{{xdomea.NAMESPACE}}}Aussonderung.AktenplanZurBewertungEmpfangBestaetigen.0512")
    head = xdomea._root("0504", FROM_ARCHIVE)[1]
    root.append(head)
    head.find(f"{{{xdomea.NAMESPACE}}}Nachrichtentyp/code").text = "0512"

    with pytest.raises(xdomea.InvalidMessage, match="not a message of the Aussonderung"):
        xdomea.read(etree.tostring(root))
