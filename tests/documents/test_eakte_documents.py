"""Documents of the eAkte on both stores (files on disk, a real S3 endpoint): versions, check-out,
zdA, legal hold and deletion behave the same; the object store adds write-once protection."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.cases.workflow import definition_of
from amtsweg.documents import records
from amtsweg.documents.models import Document, DocumentVersion, ImmutableDocumentVersion, Vorgang
from amtsweg.documents.services import DocumentRefused, add_version, lock, remove_document, unlock
from amtsweg.documents.storage import StorageRefused, get_storage
from amtsweg.extensions import db
from casefiles import (
    PDF,
    PNG,
    case_by_reference,
    documents_of,
    in_town,
    make_case,
    make_clerk,
    read_stored,
    stored_keys,
)
from flask import Flask
from sqlalchemy import select

TOWN = "usingen"
PROCESS = "hundesteuer-anmelden"  # Aktenplan 9.0.3, 10 years, hint V
NEW_PDF = b"%PDF-1.4\n% zweite Fassung\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def app_overrides(storage_backend: dict[str, Any]) -> dict[str, Any]:
    return storage_backend


def file_and_close(app: Flask, reference: str, closed_at: datetime | None = None) -> str:
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        vorgang = records.file_case(case, definition_of(case)[1])
        records.close(vorgang, "Sabine Sachbearbeiterin", closed_at)
        db.session.commit()
        return vorgang.aktenzeichen


def test_an_upload_is_version_one_under_an_opaque_key_with_its_hash_and_detected_type(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS, files={"Impfpass Bello (Quast).png": PNG})

    with in_town(app, TOWN):
        [document] = documents_of(reference)
        [version] = document.versions
        assert (version.number, version.filename, version.content_type, version.size) == (
            1, "Impfpass Bello (Quast).png", "image/png", len(PNG))
        assert version.sha256 == document.sha256 == hashlib.sha256(PNG).hexdigest()
        assert version.channel == "portal" and version.created_by == "citizen"
        key = version.storage_key
    assert re.fullmatch(r"usingen/\d{4}/\d{2}/[0-9a-f]{32}", key)
    assert read_stored(app, key) == PNG
    assert stored_keys(app) == {key}


def test_a_new_version_keeps_the_old_one_readable_and_the_history_names_who(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    clerk = make_clerk(app, TOWN)

    with in_town(app, TOWN):
        [document] = documents_of(reference)
        version = add_version(document, io.BytesIO(NEW_PDF), "Nachweis korrigiert.pdf", editor=clerk)
        assert version.number == 2
        versions = [(v.number, v.filename, v.created_by, v.channel) for v in document.versions]
        keys = [v.storage_key for v in document.versions]
        assert (document.filename, document.sha256) == ("Nachweis korrigiert.pdf", hashlib.sha256(NEW_PDF).hexdigest())
        events = db.session.scalars(select(AuditEvent).filter_by(action="document.version_added")).all()
    assert versions == [(1, "Nachweis Quast.pdf", "citizen", "portal"),
                        (2, "Nachweis korrigiert.pdf", "Sabine Sachbearbeiterin", "workbench")]
    assert [read_stored(app, key) for key in keys] == [PDF, NEW_PDF]
    assert [(e.actor, e.object_type, e.details["version"]) for e in events] == [("Sabine Sachbearbeiterin", "case", 2)]


def test_a_stored_version_cannot_be_changed(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)

    with in_town(app, TOWN):
        version = documents_of(reference)[0].versions[0]
        version.sha256 = "0" * 64
        with pytest.raises(ImmutableDocumentVersion):
            db.session.flush()


def test_a_checked_out_document_takes_versions_only_from_its_holder_and_cannot_be_deleted(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    holder = make_clerk(app, TOWN, "Sabine Sachbearbeiterin")
    other = make_clerk(app, TOWN, "Klaus Kollege")
    lead = make_clerk(app, TOWN, "Tanja Teamleitung", ("clerk", "team_lead"))
    keys_before = stored_keys(app)

    with in_town(app, TOWN):
        [document] = documents_of(reference)
        lock(document, holder)
        with pytest.raises(DocumentRefused) as refused:
            add_version(document, io.BytesIO(NEW_PDF), "neu.pdf", editor=other)
        assert "„Nachweis Quast.pdf“ ist seit" in str(refused.value)
        assert "von Sabine Sachbearbeiterin ausgecheckt" in str(refused.value)
        with pytest.raises(DocumentRefused, match="ausgecheckt und kann nicht gelöscht werden"):
            remove_document(document, holder)
        with pytest.raises(DocumentRefused):
            unlock(document, other)
        db.session.rollback()
        assert len(documents_of(reference)[0].versions) == 1
    assert stored_keys(app) == keys_before

    with in_town(app, TOWN):
        [document] = documents_of(reference)
        add_version(document, io.BytesIO(NEW_PDF), "neu.pdf", editor=holder)
        unlock(document, lead)
        assert document.locked_at is None
        remove_document(document, other)
        assert documents_of(reference) == []
        assert db.session.scalars(select(DocumentVersion)).all() == []
    assert stored_keys(app) == set()


def test_a_vorgang_closed_zu_den_akten_is_read_only(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS, status="closed", closed_at=datetime(2026, 3, 2, tzinfo=UTC))
    clerk = make_clerk(app, TOWN)
    aktenzeichen = file_and_close(app, reference, datetime(2026, 3, 2, tzinfo=UTC))

    assert aktenzeichen == "9.0.3-2026/1"
    with in_town(app, TOWN):
        [document] = documents_of(reference)
        for attempt in (lambda: add_version(document, io.BytesIO(NEW_PDF), "neu.pdf", editor=clerk),
                        lambda: lock(document, clerk), lambda: remove_document(document, clerk)):
            with pytest.raises(DocumentRefused, match=f"Der Vorgang {re.escape(aktenzeichen)} ist zu den Akten"):
                attempt()
        vorgang = db.session.scalars(select(Vorgang)).one()
        assert (vorgang.closed_by, vorgang.retention_ends_on.isoformat()) == ("Sabine Sachbearbeiterin", "2036-12-31")


def test_a_clerk_cannot_close_a_vorgang_with_a_checked_out_document(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    clerk = make_clerk(app, TOWN)
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        vorgang = records.file_case(case, definition_of(case)[1])
        lock(documents_of(reference)[0], clerk)

        with pytest.raises(DocumentRefused, match="noch ausgecheckt"):
            records.close_vorgang(vorgang, clerk)
        unlock(documents_of(reference)[0], clerk)
        records.close_vorgang(vorgang, clerk)
        assert vorgang.closed_by == "Sabine Sachbearbeiterin"


def test_the_object_store_keeps_documents_of_a_closed_vorgang_write_once(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    file_and_close(app, reference)

    with in_town(app, TOWN):
        vorgang = db.session.scalars(select(Vorgang)).one()
        key = documents_of(reference)[0].storage_key
        if app.config["DOCUMENTS_BACKEND"] == "filesystem":
            assert vorgang.worm_until is None  # files on disk cannot be write-once
            return
        assert vorgang.worm_until == vorgang.retention_ends_on
        with pytest.raises(StorageRefused):
            get_storage().delete(key)
    assert read_stored(app, key) == PDF


def test_only_a_team_lead_sets_a_legal_hold_with_a_reason_and_the_store_holds_too(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS)
    clerk = make_clerk(app, TOWN)
    lead = make_clerk(app, TOWN, "Tanja Teamleitung", ("clerk", "team_lead"))
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        vorgang = records.file_case(case, definition_of(case)[1])
        db.session.commit()
        with pytest.raises(DocumentRefused, match="Nur die Teamleitung"):
            records.set_legal_hold(vorgang, clerk, "Klage")
        with pytest.raises(DocumentRefused, match="Bitte geben Sie den Grund an"):
            records.set_legal_hold(vorgang, lead, "   ")

        hold = records.set_legal_hold(vorgang, lead, "Klage VG Frankfurt 5 K 12/26")

        assert (hold.set_by, hold.reason) == ("Tanja Teamleitung", "Klage VG Frankfurt 5 K 12/26")
        assert vorgang.active_hold is hold
        key = documents_of(reference)[0].storage_key
        if app.config["DOCUMENTS_BACKEND"] == "s3":
            with pytest.raises(StorageRefused):
                get_storage().delete(key)
        with pytest.raises(DocumentRefused, match="bereits eine Aufbewahrungssperre"):
            records.set_legal_hold(vorgang, lead, "noch einmal")

        records.lift_legal_hold(vorgang, lead, "Verfahren abgeschlossen")

        assert vorgang.active_hold is None and hold.lifted_by == "Tanja Teamleitung"
        get_storage().delete(key)
    assert stored_keys(app) == set()


def test_filing_numbers_the_vorgaenge_of_an_akte_per_unit_and_year(app: Flask) -> None:
    first = make_case(app, TOWN, PROCESS, number=1)
    second = make_case(app, TOWN, PROCESS, number=2)
    other_unit = make_case(app, TOWN, "fischereischein", number=3)

    with in_town(app, TOWN):
        filed = []
        for reference in (first, second, other_unit, first):
            case = case_by_reference(reference)
            filed.append(records.file_case(case, definition_of(case)[1]))
        db.session.commit()
        year = case.submitted_at.year
        assert [v.aktenzeichen for v in filed] == [f"9.0.3-{year}/1", f"9.0.3-{year}/2", f"1.4.5-{year}/1",
                                                    f"9.0.3-{year}/1"]
        assert [(v.retention_years, v.archive_hint) for v in filed[1:3]] == [(10, "V"), (10, "A")]
        assert filed[0].subject == f"Hund zur Hundesteuer anmelden – {first}"
        assert filed[0].akte.unit_title == "Hundesteuer"


def test_a_document_created_directly_still_gets_its_first_version(app: Flask) -> None:
    reference = make_case(app, TOWN, PROCESS, files={})
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        db.session.add(Document(storage_key="usingen/2026/01/" + "a" * 32, filename="bescheid.pdf",
                                content_type="application/pdf", size=3, sha256="b" * 64, case_id=case.id,
                                source="system", created_at=datetime(2026, 1, 5, tzinfo=UTC) - timedelta(days=1)))
        db.session.commit()
        [version] = documents_of(reference)[0].versions
        assert (version.number, version.channel, version.created_by, version.sha256) == (1, "generated", "system",
                                                                                         "b" * 64)
