"""The full xdomea Aussonderung with the archive: offer (0501), assessment (0502), hand-off (0503),
import confirmation (0506) and the receipts (0504, 0505, 0507); refused messages change nothing."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from amtsweg.archive import aussonderung as cycle
from amtsweg.archive import services, xdomea
from amtsweg.archive.models import AussonderungObject, DisposalRecord
from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case
from amtsweg.cases.workflow import Actor, perform
from amtsweg.documents import records
from amtsweg.documents.models import Document, DocumentVersion, Vorgang
from amtsweg.documents.services import add_version
from amtsweg.extensions import db
from amtsweg.settings import REPOSITORY_ROOT
from casefiles import APPLICANT, PDF, PNG, case_by_reference, in_town, make_case, make_clerk, stored_keys
from flask import Flask
from lxml import etree
from simulators.xdomea_archive import ArchiveSimulator, Rules
from simulators.xdomea_archive.__main__ import wsgi_app
from sqlalchemy import select, text
from werkzeug.serving import make_server

TOWN = "neu-anspach"
CLERK = Actor("Sabine Sachbearbeiterin", ("clerk",))
NS = {"x": xdomea.NAMESPACE}


def archive_file(app: Flask, relative: str) -> bytes:
    return (Path(app.config["ARCHIVE_DIR"]) / relative).read_bytes()


def answer_all(app: Flask, archive: ArchiveSimulator, relative: str, town: str = TOWN) -> list[str]:
    """Let the archive answer a message we wrote and import every answer; their codes."""
    codes = []
    with in_town(app, town):
        for _name, answer in archive.answer(archive_file(app, relative)):
            codes.append(cycle.import_message(answer, "test").code)
    return codes


def close_case(app: Flask, reference: str, town: str = TOWN) -> None:
    """Close an approved case the way a clerk does, through the workflow."""
    with in_town(app, town):
        perform(case_by_reference(reference), "close", CLERK)


def archive_and_offer(app: Flask, town: str = TOWN) -> str:
    """Archive closed cases of the town with a fixed old closing date and offer the due ones."""
    with in_town(app, town):
        services.run_retention(date(2026, 1, 1))
        return cycle.offer(date(2026, 1, 1), "test").process_id


def old_case(app: Flask, process: str, number: int, town: str = TOWN) -> str:
    """A case closed in 2012: its retention (10 years) ended on 31 Dec 2022."""
    return make_case(app, town, process, status="closed", closed_at=datetime(2012, 5, 2, tzinfo=UTC), number=number)


class TestMustShow:
    @pytest.fixture
    def app_overrides(self, storage_backend: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
        # The clock runs forward here, not the store's: no write-once lock would expire in time
        # (that lock is tested on its own).
        return {**storage_backend, "ARCHIVE_DIR": str(tmp_path / "archive"), "DOCUMENTS_S3_OBJECT_LOCK_MODE": ""}

    def test_closed_cases_go_through_the_whole_aussonderung_and_only_the_handed_off_and_v_objects_are_deleted(
        self, app: Flask
    ) -> None:
        handed_off = make_case(app, TOWN, "fischereischein", status="approved", number=1,
                               files={"Fischerprüfung.pdf": PDF, "Passbild.png": PNG})
        assessed_v = make_case(app, TOWN, "gewerbe-anmelden", status="approved", number=2)
        held = make_case(app, TOWN, "fischereischein", status="approved", number=3)
        not_due = make_case(app, TOWN, "hausnummer-beantragen", status="approved", number=4)  # 30 years
        clerk = make_clerk(app, TOWN)
        lead = make_clerk(app, TOWN, "Tanja Teamleitung", ("clerk", "team_lead"))
        with in_town(app, TOWN):
            document = db.session.scalars(select(Document).where(Document.filename == "Passbild.png")).one()
            add_version(document, io.BytesIO(PNG + b"neu"), "Passbild neu.png", editor=clerk)
        for reference in (handed_off, assessed_v, held, not_due):
            close_case(app, reference)
        now = datetime.now(UTC).date()
        with in_town(app, TOWN):
            first = services.run_retention(now + timedelta(days=31))
            records.set_legal_hold(records.vorgang_of_case(case_by_reference(held).id), lead,
                                   "Widerspruchsverfahren anhängig")
        assert {item.reference for item in first.done} == {handed_off, assessed_v, held, not_due}
        kept_keys = {key for key in stored_keys(app) if key}

        # The retention clock runs forward: 10 years after the end of the closing year.
        today = date(now.year + 11, 1, 15)
        with in_town(app, TOWN):
            report = services.run_retention(today)
            assert (sorted(report.for_archive), report.held) == (sorted([handed_off, assessed_v]), [held])
            started = cycle.offer(today, "test")
            process_id = started.process_id
            offered = {item.aktenzeichen for item in started.objects}
            recorded = {v.storage_key: v.sha256 for v in db.session.scalars(
                select(DocumentVersion).join(Document).join(Case, Case.id == Document.case_id)
                .where(Case.reference == handed_off))}
        assert len(offered) == 2 and len(recorded) == 3

        offer = xdomea.read(archive_file(app, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip"))
        assert offer.code == "0501" and {o.aktenzeichen for o in xdomea.offered_objects(offer)} == offered

        archive = ArchiveSimulator(Rules(units={"1.3.1": "V"}))
        assert answer_all(app, archive, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip") == [
            "0504", "0502"]
        receipt_file = f"{TOWN}/{process_id}_Aussonderung.BewertungEmpfangBestaetigen.0505.zip"
        receipt = xdomea.read(archive_file(app, receipt_file))
        assert (receipt.code, receipt.process_id) == ("0505", process_id)

        with in_town(app, TOWN):
            handed = cycle.hand_off(cycle.find(process_id), "test")
            package = handed.package_file
        with zipfile.ZipFile(io.BytesIO(archive_file(app, package))) as zipped:
            message = etree.fromstring(zipped.read(f"{process_id}_Aussonderung.Aussonderung.0503.xml"))
            xdomea.validate(message)
            sent = {p.findtext("x:Dateiname", namespaces=NS): hashlib.sha256(
                zipped.read(p.findtext("x:Dateiname", namespaces=NS))).hexdigest()
                for p in message.iterfind(".//x:Primaerdokument", NS)}
        assert sorted(sent.values()) == sorted(recorded.values())
        assert len(message.findall(".//x:Schriftgutobjekt", NS)) == 1

        assert answer_all(app, archive, package) == ["0507", "0506"]
        with in_town(app, TOWN):
            disposal = cycle.dispose(today, "test")
            state = cycle.find(process_id).state
            remaining = {c.reference for c in db.session.scalars(select(Case))}
            statistics = {(r.case_reference, r.disposal, r.decided_by)
                          for r in db.session.scalars(select(DisposalRecord))}
            deleted_events = {e.object_id
                              for e in db.session.scalars(select(AuditEvent).filter_by(action="case.deleted"))}

        assert sorted(disposal.deleted) == sorted(offered)
        assert state == "deleted"
        assert remaining == {held, not_due}
        assert statistics == {(handed_off, "archive", "archive"), (assessed_v, "delete", "archive")}
        assert deleted_events == {handed_off, assessed_v}
        left = stored_keys(app)
        assert not set(recorded) & left
        assert left and left <= kept_keys


@pytest.fixture
def app_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"ARCHIVE_DIR": str(tmp_path / "archive")}


def offered_cycle(app: Flask, town: str = TOWN) -> tuple[str, str, str]:
    """An offered cycle with one archival and one archival-by-hint case; (ProzessID, references)."""
    first = old_case(app, "fischereischein", 1, town)
    second = old_case(app, "gewerbe-anmelden", 2, town)
    return archive_and_offer(app, town), first, second


def database_state(app: Flask) -> str:
    with app.app_context(), db.engine.connect() as connection:
        return "\n".join(
            repr(row) for table in ("aussonderung", "aussonderung_object", "case_file", "vorgang", "document")
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
        )


def assessment(app: Flask, process_id: str, decisions: list[tuple[str, str]], town: str = TOWN,
               recipient: xdomea.Party | None = None) -> bytes:
    with in_town(app, town):
        party = recipient or cycle._town_party()
    envelope = xdomea.Envelope(process_id, xdomea.Party("Hessisches Landesarchiv"), party, "1.0", datetime.now(UTC))
    return xdomea.container(process_id, "0502", xdomea.build_assessment(envelope, decisions))


def object_ids(app: Flask, process_id: str) -> list[str]:
    with in_town(app, TOWN):
        return [item.object_id for item in cycle.find(process_id).objects]


def refused(app: Flask, data: bytes, town: str = TOWN) -> cycle.MessageRefused:
    before = database_state(app)
    files = sorted(Path(app.config["ARCHIVE_DIR"]).rglob("*"))
    with in_town(app, town), pytest.raises(cycle.MessageRefused) as raised:
        cycle.import_message(data, "test")
    assert database_state(app) == before
    assert sorted(Path(app.config["ARCHIVE_DIR"]).rglob("*")) == files
    return raised.value


def test_an_assessment_that_does_not_validate_is_refused_with_the_schemas_complaint(app: Flask) -> None:
    process_id, *_ = offered_cycle(app)
    data = assessment(app, process_id, [(oid, "A") for oid in object_ids(app, process_id)])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read(package.namelist()[0])
    broken = xml.replace(b"Erstellungszeitpunkt>2", b"Erstellungszeitpunkt>gestern 2", 1)

    error = refused(app, broken)

    assert error.message == "Die Nachricht entspricht nicht dem Schema xdomea 3.1.0."
    assert any("Erstellungszeitpunkt" in problem.message for problem in error.problems)


def test_an_assessment_naming_unknown_objects_missing_some_or_undecided_is_refused_object_by_object(
    app: Flask,
) -> None:
    process_id, *_ = offered_cycle(app)
    first, second = object_ids(app, process_id)
    stranger = "11111111-2222-4333-8444-555555555555"

    error = refused(app, assessment(app, process_id, [(first, "B"), (stranger, "A"), (first, "A")]))

    with in_town(app, TOWN):
        aktenzeichen = {item.object_id: item.aktenzeichen for item in cycle.find(process_id).objects}
    assert error.message == "Das Bewertungsverzeichnis wurde nicht übernommen."
    assert [problem.message for problem in error.problems] == [
        f"Das Objekt {stranger} gehört nicht zu dieser Aussonderung.",
        f"Das Objekt {first} kommt mehrfach vor.",
        f"Für {aktenzeichen[second]} ({second}) fehlt die Angabe.",
        f"{first} ist mit „B“ bewertet; ein Bewertungsverzeichnis entscheidet mit A oder V.",
    ]


def test_an_assessment_for_another_town_is_refused(app: Flask) -> None:
    process_id, *_ = offered_cycle(app, "usingen")
    with in_town(app, "usingen"):
        ids = [item.object_id for item in cycle.find(process_id).objects]
    for_usingen = assessment(app, process_id, [(oid, "A") for oid in ids], town="usingen")

    error = refused(app, for_usingen, TOWN)
    assert str(error) == "Die Nachricht ist an „usingen“ gerichtet, nicht an Stadt Neu-Anspach."

    readdressed = assessment(app, process_id, [(oid, "A") for oid in ids], town=TOWN)
    error = refused(app, readdressed, TOWN)
    assert str(error) == f"Zur ProzessID {process_id} gibt es in Stadt Neu-Anspach keine Aussonderung."


def test_an_answer_addressed_by_name_only_is_matched_to_the_town(app: Flask) -> None:
    process_id, *_ = offered_cycle(app)
    by_name = assessment(app, process_id, [(oid, "V") for oid in object_ids(app, process_id)],
                         recipient=xdomea.Party("Magistrat der Stadt Neu-Anspach"))
    with in_town(app, TOWN):
        assert cycle.import_message(by_name, "test").aussonderung.state == "assessed"


def test_messages_out_of_order_twice_or_of_the_wrong_kind_are_refused(app: Flask) -> None:
    process_id, *_ = offered_cycle(app)
    archive = ArchiveSimulator()
    answers = dict(archive.answer(archive_file(app, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip")))
    own_offer = archive_file(app, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip")
    confirmation = xdomea.container(process_id, "0506", xdomea.build_import_confirmation(
        xdomea.Envelope(process_id, xdomea.Party("Archiv"), xdomea.Party("x", "neu-anspach"), "1", datetime.now(UTC)),
        [xdomea.ImportOutcome(oid, True) for oid in object_ids(app, process_id)]))

    assert str(refused(app, own_offer)) == ("Eine Nachricht 0501 nimmt amtsweg nicht an (nur 0502, 0504, 0506 und 0507 "
                                           "vom Archiv).")
    assert str(refused(app, confirmation)) == (f"Eine Nachricht 0506 passt nicht zum Stand der Aussonderung "
                                              f"{process_id} („angeboten“).")
    with in_town(app, TOWN):
        for answer in answers.values():
            cycle.import_message(answer, "test")
    for answer in answers.values():
        refused(app, answer)


def test_the_archive_wanting_nothing_completes_the_cycle_without_a_hand_off(app: Flask) -> None:
    process_id, _first, _second = offered_cycle(app)
    assert answer_all(app, ArchiveSimulator(Rules(units={"1.3.1": "V", "1.4.5": "V"})),
                      f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip") == ["0504", "0502"]

    with in_town(app, TOWN):
        with pytest.raises(cycle.MessageRefused, match="nichts als archivwürdig"):
            cycle.hand_off(cycle.find(process_id), "test")
        report = cycle.dispose(date(2026, 1, 1), "test")
        assert report.completed == [process_id]
        assert db.session.scalars(select(Case)).all() == []
    assert not list(Path(app.config["ARCHIVE_DIR"]).rglob("*0503*"))


def test_an_object_the_archive_could_not_import_is_kept_and_offered_again(app: Flask) -> None:
    process_id, first, _second = offered_cycle(app)
    with in_town(app, TOWN):
        failing = {item.aktenzeichen for item in cycle.find(process_id).objects if item.unit_number == "1.4.5"}
    archive = ArchiveSimulator(Rules(fail_import=frozenset(failing)))
    answer_all(app, archive, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip")
    with in_town(app, TOWN):
        package = cycle.hand_off(cycle.find(process_id), "test").package_file
    answer_all(app, archive, package)

    with in_town(app, TOWN):
        cycle.dispose(date(2026, 1, 1), "test")
        states = {item.aktenzeichen: (item.state, item.import_error) for item in cycle.find(process_id).objects}
        assert {c.reference for c in db.session.scalars(select(Case))} == {first}
        again = cycle.offer(date(2026, 1, 1), "test")
        assert [item.aktenzeichen for item in again.objects] == list(failing)
    [rejected] = failing
    assert states[rejected] == ("rejected", "Import im Archivsystem abgelehnt (Simulator).")


def test_nothing_under_legal_hold_or_before_its_date_is_deleted(app: Flask) -> None:
    process_id, first, _second = offered_cycle(app)
    lead = make_clerk(app, TOWN, "Tanja Teamleitung", ("team_lead",))
    answer_all(app, ArchiveSimulator(Rules(units={"1.3.1": "V", "1.4.5": "V"})),
               f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip")
    with in_town(app, TOWN):
        records.set_legal_hold(records.vorgang_of_case(case_by_reference(first).id), lead,
                               "Auskunftsersuchen der Staatsanwaltschaft")

        early = cycle.dispose(date(2022, 6, 1), "test")
        later = cycle.dispose(date(2026, 1, 1), "test")

        assert [reason for _az, reason in early.kept] == ["legal hold", "retention has not ended"]
        assert [reason for _az, reason in later.kept] == ["legal hold"] and len(later.deleted) == 1
        assert {c.reference for c in db.session.scalars(select(Case))} == {first}
        assert cycle.find(process_id).state == "assessed"


def test_deleted_vorgaenge_leave_only_numbers_and_the_cycle_keeps_no_personal_data(app: Flask) -> None:
    process_id, *_ = offered_cycle(app)
    archive = ArchiveSimulator()
    answer_all(app, archive, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip")
    with in_town(app, TOWN):
        package = cycle.hand_off(cycle.find(process_id), "test").package_file
    answer_all(app, archive, package)
    with in_town(app, TOWN):
        cycle.dispose(date(2026, 1, 1), "test")
        objects = db.session.scalars(select(AussonderungObject)).all()
        assert [(item.state, item.vorgang_id) for item in objects] == [("deleted", None), ("deleted", None)]
        assert all(item.archive_reference.startswith("SIM-") for item in objects)
        assert db.session.scalars(select(Vorgang)).all() == []
    with app.app_context(), db.engine.connect() as connection:
        everything = "\n".join(repr(row) for table in db.metadata.sorted_tables
                               for row in connection.execute(text(f'SELECT * FROM "{table.name}"')))
    assert APPLICANT not in everything


def test_the_commands_drive_the_cycle_with_the_simulator_as_a_file_drop(app: Flask, tmp_path: Path) -> None:
    old_case(app, "fischereischein", 1)
    with in_town(app, TOWN):
        services.run_retention(date(2026, 1, 1))
    runner = app.test_cli_runner()
    drop = tmp_path / "vom-archiv"

    offered = runner.invoke(args=["aussonderung", "offer", "--town", TOWN, "--today", "2026-01-01"])
    assert offered.exit_code == 0, offered.output
    offer_file = Path(offered.output.strip().splitlines()[-1].removeprefix("0501 written to "))
    simulator = [sys.executable, "-m", "simulators.xdomea_archive"]
    env = {"PYTHONPATH": f"{REPOSITORY_ROOT / 'platform'}", "PATH": "/usr/bin:/bin"}
    subprocess.run([*simulator, "answer", str(offer_file), "--out", str(drop)], check=True, env=env,
                   capture_output=True)
    for answer in sorted(drop.iterdir()):
        imported = runner.invoke(args=["aussonderung", "import", "--town", TOWN, str(answer)])
        assert imported.exit_code == 0, imported.output
    process_id = offer_file.name.split("_")[0]
    handed = runner.invoke(args=["aussonderung", "hand-off", "--town", TOWN, process_id])
    assert handed.exit_code == 0, handed.output
    package = Path(handed.output.split("0503 written to ")[1].split(" (")[0])
    subprocess.run([*simulator, "answer", str(package), "--out", str(drop / "2")], check=True, env=env,
                   capture_output=True)
    for answer in sorted((drop / "2").iterdir()):
        assert runner.invoke(args=["aussonderung", "import", "--town", TOWN, str(answer)]).exit_code == 0
    deleted = runner.invoke(args=["aussonderung", "delete", "--town", TOWN, "--today", "2026-01-01"])
    status = runner.invoke(args=["aussonderung", "status", "--town", TOWN])

    assert deleted.exit_code == 0 and ": deleted" in deleted.output
    assert f"Aussonderung {process_id} is complete" in deleted.output
    assert f"{process_id}" in status.output and "„abgeschlossen, gelöscht“ (deleted: 1)" in status.output

    broken = tmp_path / "kaputt.xml"
    broken.write_bytes(b"<nicht-xdomea/>")
    refusal = runner.invoke(args=["aussonderung", "import", "--town", TOWN, str(broken)])
    assert refusal.exit_code == 1
    assert "Die Nachricht entspricht nicht dem Schema xdomea 3.1.0." in refusal.output
    assert "not an xdomea 3.1.0 message" in refusal.output


@pytest.fixture
def archive_service() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, wsgi_app(ArchiveSimulator()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}/nachrichten"
    server.shutdown()
    thread.join()


def test_the_simulator_answers_over_http(app: Flask, archive_service: str) -> None:
    process_id, *_ = offered_cycle(app)
    offer = archive_file(app, f"{TOWN}/{process_id}_Aussonderung.Anbieteverzeichnis.0501.zip")

    with urllib.request.urlopen(urllib.request.Request(archive_service, data=offer, method="POST")) as response:
        bundle = zipfile.ZipFile(io.BytesIO(response.read()))
    with in_town(app, TOWN):
        codes = [cycle.import_message(bundle.read(name), "test").code for name in sorted(bundle.namelist())]

    assert codes == ["0504", "0502"]
    request = urllib.request.Request(archive_service, data=b"<kaputt/>", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused_request:
        urllib.request.urlopen(request)
    assert refused_request.value.code == 400
