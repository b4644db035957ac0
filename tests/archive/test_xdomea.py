"""The xdomea 0503 builder: a complete message validates; one missing a required element never leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from amtsweg.archive import xdomea
from lxml import etree

CASE = xdomea.CaseFile(
    town_slug="usingen", authority="Magistrat der Stadt Usingen", town_name="Usingen", reference="US-2020-000007",
    process_title="Fischereischein", submitted_on=date(2020, 1, 2), closed_on=date(2020, 2, 3), retention_years=10,
    retention_ends_on=date(2030, 2, 3),
    files=(xdomea.PrimaryFile("usingen/2020/01/abc", "Lichtbild Ämter.heic", "image/heic",
                              datetime(2020, 1, 2, 9, tzinfo=UTC), "citizen"),
           xdomea.PrimaryFile("usingen/2020/02/def", "daten.xml", "application/xml",
                              datetime(2020, 2, 3, 9, tzinfo=UTC), "system")),
)
ENVELOPE = xdomea.Envelope("Hessisches Landesarchiv", "0.1.0", datetime(2026, 11, 25, 3, tzinfo=UTC))


def test_a_complete_message_validates_and_names_its_files_as_the_schema_requires() -> None:
    message = etree.fromstring(xdomea.serialize(xdomea.build_message(CASE, ENVELOPE)))

    ns = {"x": xdomea.NAMESPACE}
    assert etree.QName(message).localname == "Aussonderung.Aussonderung.0503"
    names = [element.text for element in message.iterfind(".//x:Primaerdokument/x:Dateiname", ns)]
    assert names == [item.package_name for item in CASE.files]
    assert names[0].endswith("_Lichtbild_Amter.heic")
    # A type outside the code list is "Sonstiges" with its MIME type as the other name.
    assert message.findtext(".//x:Dokument[2]//x:SonstigerName", namespaces=ns) == "application/xml"


def test_ids_are_stable_so_a_repeated_hand_off_replaces_its_own_package() -> None:
    head = xdomea.build_message(CASE, ENVELOPE).find(f"{{{xdomea.NAMESPACE}}}Kopf")
    assert head.findtext(f"{{{xdomea.NAMESPACE}}}ProzessID") == CASE.process_id
    assert xdomea.package_name(CASE.process_id) == f"{CASE.process_id}_Aussonderung.Aussonderung.0503.zip"


def test_a_message_missing_a_required_element_is_refused() -> None:
    root = xdomea.build_message(CASE, ENVELOPE)
    head = root.find(f"{{{xdomea.NAMESPACE}}}Kopf")
    head.remove(head.find(f"{{{xdomea.NAMESPACE}}}ProzessID"))

    with pytest.raises(xdomea.InvalidMessage) as refused:
        xdomea.serialize(root)

    assert any("ProzessID" in error for error in refused.value.errors)
