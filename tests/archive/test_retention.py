"""Retention runs: closed cases are archived (zdA) after the grace period; when their retention has
run out they are destroyed (hint V) or handed to the archive through the xdomea Aussonderung
(0501 → 0502 → 0503 → 0506) and deleted only then — leaving no personal data."""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from amtsweg.archive import aussonderung as cycle
from amtsweg.archive import services, xdomea
from amtsweg.archive.models import Aussonderung, DisposalRecord
from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.cases.models import Case, CaseAccessToken, CaseMessage, CaseNote
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.jobs import schedule
from amtsweg.notifications.services import queue_mail
from amtsweg.processes.models import Process
from amtsweg.tenancy import all_tenants_context, tenant_context
from conftest import tenant_info
from flask import Flask
from lxml import etree
from simulators.xdomea_archive import ArchiveSimulator
from sqlalchemy import select, text

ARCHIVED_PROCESS = "fischereischein"  # retention: 10 years, disposal: archive
DELETED_PROCESS = "fuehrungszeugnis"  # retention: 1 year, disposal: delete
TODAY = date(2026, 11, 25)
LONG_AGO = datetime(2001, 3, 15, 10, tzinfo=UTC)
APPLICANT = "Hannelore Testperson-Quast"
EMAIL = "hannelore.quast@example.org"
FILES = {"Personalausweis Quast.pdf": b"%PDF-1.4 Ausweis von Hannelore\n", "Foto.png": b"\x89PNG fake picture"}


@pytest.fixture
def app_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"ARCHIVE_DIR": str(tmp_path / "handoffs")}


def make_closed_case(app: Flask, town: str, process: str, closed_at: datetime, number: int = 1) -> str:
    """A closed case with documents (files in storage), a message, a note, a status link, a mail and
    an audit trail — everything retention must remove. Returns the reference."""
    with app.app_context(), tenant_context(tenant_info(app, town)) as tenant:
        version_id = db.session.scalars(select(Process.current_version_id).filter_by(slug=process)).one()
        case = Case(
            reference=f"{tenant.reference_prefix}-2001-{number:06d}", process_version_id=version_id,
            process_slug=process, answers={"name": APPLICANT, "email": EMAIL}, applicant_name=APPLICANT,
            applicant_email=EMAIL, status="closed",
            idempotency_key=secrets.token_hex(32), submitted_at=closed_at - timedelta(days=20), closed_at=closed_at,
        )
        db.session.add(case)
        db.session.flush()
        storage = get_storage()
        for name, content in FILES.items():
            key = f"{tenant.slug}/2001/03/{secrets.token_hex(16)}"
            staged = storage.staging_dir() / secrets.token_hex(8)
            staged.write_bytes(content)
            storage.put(key, staged)
            content_type = "application/pdf" if name.endswith(".pdf") else "image/png"
            db.session.add(Document(
                storage_key=key, filename=name, content_type=content_type,
                size=len(content), sha256=hashlib.sha256(content).hexdigest(), case_id=case.id,
                created_at=closed_at - timedelta(days=19),
            ))
        db.session.add(CaseMessage(case_id=case.id, author="citizen", kind="reply", body=f"Gruß, {APPLICANT}"))
        db.session.add(CaseNote(case_id=case.id, author="Sachbearbeitung", body=f"{APPLICANT} rief an"))
        db.session.add(CaseAccessToken(case_id=case.id, token_hash=secrets.token_hex(32), purpose="submission"))
        queue_mail(to=EMAIL, template="eingangsbestaetigung",
                   context={"reference": case.reference, "process_title": "x", "status_url": "https://x.example/",
                            "submitted_on": "01.03.2001", "fee": ""},
                   dedupe_key=f"eingang-{case.reference}", case_id=case.id)
        record("citizen", "case.submitted", "case", case.id, reference=case.reference)
        db.session.commit()
        return case.reference


def run(app: Flask, town: str = "neu-anspach", today: date = TODAY) -> services.RetentionReport:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return services.run_retention(today)


def archive_cycle(app: Flask, town: str = "neu-anspach", today: date = TODAY) -> str:
    """Offer what is due, let the simulated archive answer every message, hand off, import its
    confirmation and delete; returns the ProzessID."""
    archive = ArchiveSimulator()
    with app.app_context(), tenant_context(tenant_info(app, town)):
        started = cycle.offer(today, "test")
        for _name, answer in archive.answer((Path(app.config["ARCHIVE_DIR"]) / started.offer_file).read_bytes()):
            cycle.import_message(answer, "test")
        handed = cycle.hand_off(started, "test")
        for _name, answer in archive.answer((Path(app.config["ARCHIVE_DIR"]) / handed.package_file).read_bytes()):
            cycle.import_message(answer, "test")
        cycle.dispose(today, "test")
        return started.process_id


def case_state(app: Flask, town: str, reference: str) -> dict[str, Any] | None:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        case = db.session.scalars(select(Case).filter_by(reference=reference)).one_or_none()
        if case is None:
            return None
        keys = [doc.storage_key for doc in db.session.scalars(select(Document).filter_by(case_id=case.id))]
        return {"status": case.status, "keys": keys}


def storage_root(app: Flask) -> Path:
    return Path(app.instance_path) / "documents"


def database_text(app: Flask) -> str:
    """Every row of every table as text (every town's: cross-town work, past row-level security)."""
    with app.app_context(), all_tenants_context():
        return "\n".join(
            repr(row) for table in db.metadata.sorted_tables
            for row in db.session.execute(text(f'SELECT * FROM "{table.name}"'))
        )


def stored_files(app: Flask) -> list[Path]:
    return [path for path in storage_root(app).rglob("*") if path.is_file()]


def test_a_closed_case_is_archived_only_after_the_grace_period(app: Flask) -> None:
    recent = make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, datetime(2026, 11, 10, tzinfo=UTC), 1)
    older = make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, datetime(2026, 10, 1, tzinfo=UTC), 2)

    report = run(app)

    assert [(item.reference, item.steps) for item in report.done] == [(older, ("archive",))]
    assert case_state(app, "neu-anspach", recent)["status"] == "closed"
    archived = case_state(app, "neu-anspach", older)
    assert archived["status"] == "archived"
    assert len(archived["keys"]) == 2  # retention (10 years) has not run out: everything is kept


def test_an_archival_case_past_retention_waits_for_the_archive_then_is_handed_off_as_valid_xdomea_and_deleted(
    app: Flask,
) -> None:
    reference = make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, LONG_AGO)
    keys = case_state(app, "neu-anspach", reference)["keys"]

    report = run(app)

    assert [(item.reference, item.steps) for item in report.done] == [(reference, ("archive",))]
    assert (report.failed, report.for_archive) == ([], [reference])
    assert case_state(app, "neu-anspach", reference)["status"] == "archived"

    process_id = archive_cycle(app)

    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        handoff = db.session.scalars(select(Aussonderung)).one()
        events = db.session.scalars(select(AuditEvent).filter_by(action="case.deleted")).all()
        aktenzeichen = db.session.scalars(select(DisposalRecord.aktenzeichen)).one()
    package = Path(app.config["ARCHIVE_DIR"]) / handoff.package_file
    assert handoff.process_id == process_id and handoff.state == "deleted"
    assert package.name == f"{handoff.process_id}_Aussonderung.Aussonderung.0503.zip"
    assert hashlib.sha256(package.read_bytes()).hexdigest() == handoff.package_sha256
    with zipfile.ZipFile(package) as archive:
        message = etree.fromstring(archive.read(f"{handoff.process_id}_Aussonderung.Aussonderung.0503.xml"))
        schema = etree.XMLSchema(etree.parse(str(xdomea.SCHEMA_FILE)))
        assert schema.validate(message), schema.error_log
        ns = {"x": xdomea.NAMESPACE}
        assert message.findtext("x:Kopf/x:ProzessID", namespaces=ns) == handoff.process_id
        assert message.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=ns) == "0503"
        assert message.findtext(".//x:Vorgang/x:AllgemeineMetadaten/x:Kennzeichen", namespaces=ns) == aktenzeichen
        assert reference in message.findtext(".//x:Vorgang/x:AllgemeineMetadaten/x:Betreff", namespaces=ns)
        primaries = message.findall(".//x:Primaerdokument", namespaces=ns)
        hashes = {p.findtext("x:DateinameOriginal", namespaces=ns):
                  hashlib.sha256(archive.read(p.findtext("x:Dateiname", namespaces=ns))).hexdigest()
                  for p in primaries}
    assert hashes == {name: hashlib.sha256(content).hexdigest() for name, content in FILES.items()}
    assert case_state(app, "neu-anspach", reference) is None
    assert not any((storage_root(app) / key).exists() for key in keys)
    assert [event.details["reference"] for event in events] == [reference]
    assert events[0].details["handoff"] == handoff.process_id
    remaining = database_text(app)
    assert APPLICANT not in remaining and EMAIL not in remaining


def test_a_delete_disposal_leaves_no_personal_data(app: Flask) -> None:
    reference = make_closed_case(app, "neu-anspach", DELETED_PROCESS, LONG_AGO)

    report = run(app)

    assert [(item.reference, item.steps) for item in report.done] == [(reference, ("archive", "delete"))]
    remaining = database_text(app)
    assert APPLICANT not in remaining and EMAIL not in remaining
    assert stored_files(app) == []
    assert not Path(app.config["ARCHIVE_DIR"]).exists()
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        assert db.session.scalars(select(Aussonderung)).all() == []
        [event] = db.session.scalars(select(AuditEvent)).all()
        [statistics] = db.session.scalars(select(DisposalRecord)).all()
    assert (event.action, event.object_id, event.details["disposal"]) == ("case.deleted", reference, "delete")
    assert (statistics.case_reference, statistics.disposal, statistics.decided_by, statistics.document_count,
            statistics.byte_count) == (reference, "delete", "aktenplan", 2, sum(len(c) for c in FILES.values()))


def test_running_the_job_twice_changes_nothing(app: Flask) -> None:
    make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, LONG_AGO, 1)
    make_closed_case(app, "neu-anspach", DELETED_PROCESS, LONG_AGO, 2)
    run(app)
    before = database_text(app)
    packages = {path: path.read_bytes() for path in Path(app.config["ARCHIVE_DIR"]).rglob("*.zip")}

    second = run(app)

    assert (second.done, second.failed) == ([], [])
    assert database_text(app) == before
    assert {path: path.read_bytes() for path in Path(app.config["ARCHIVE_DIR"]).rglob("*.zip")} == packages


def test_another_towns_cases_are_untouched(app: Flask) -> None:
    usingen = make_closed_case(app, "usingen", ARCHIVED_PROCESS, LONG_AGO)
    neu_anspach = make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, LONG_AGO)

    report = run(app, "neu-anspach")

    assert [item.reference for item in report.done] == [neu_anspach]
    kept = case_state(app, "usingen", usingen)
    assert kept["status"] == "closed"
    assert all((storage_root(app) / key).exists() for key in kept["keys"])
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalars(select(Aussonderung)).all() == []


def test_an_invalid_message_is_refused_and_nothing_is_deleted(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, LONG_AGO)
    run(app)
    root = xdomea._root

    def without_sender(*args: Any) -> tuple[etree._Element, etree._Element]:
        message, head = root(*args)
        head.remove(head.find(f"{{{xdomea.NAMESPACE}}}Absender"))
        return message, head

    monkeypatch.setattr(xdomea, "_root", without_sender)

    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        with pytest.raises(xdomea.InvalidMessage) as refused:
            cycle.offer(TODAY, "test")
        db.session.rollback()
        assert db.session.scalars(select(Aussonderung)).all() == []

    assert "invalid" in str(refused.value) and "Empfaenger" in str(refused.value)
    state = case_state(app, "neu-anspach", reference)
    assert state["status"] == "archived"
    assert all((storage_root(app) / key).exists() for key in state["keys"])
    assert list(Path(app.config["ARCHIVE_DIR"]).rglob("*.zip")) == []
    assert APPLICANT in database_text(app)


def test_a_document_not_matching_its_hash_stops_the_hand_off(app: Flask) -> None:
    reference = make_closed_case(app, "neu-anspach", ARCHIVED_PROCESS, LONG_AGO)
    key = case_state(app, "neu-anspach", reference)["keys"][0]
    run(app)
    archive = ArchiveSimulator()
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        started = cycle.offer(TODAY, "test")
        process_id = started.process_id
        for _name, answer in archive.answer((Path(app.config["ARCHIVE_DIR"]) / started.offer_file).read_bytes()):
            cycle.import_message(answer, "test")
    (storage_root(app) / key).write_bytes(b"altered")

    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        with pytest.raises(cycle.IntegrityFailure, match="SHA-256"):
            cycle.hand_off(cycle.find(process_id), "test")
        db.session.rollback()
        assert cycle.find(process_id).state == "assessed"

    assert case_state(app, "neu-anspach", reference)["status"] == "archived"
    assert sorted(p.name.split("_", 1)[1] for p in (Path(app.config["ARCHIVE_DIR"]) / "neu-anspach").iterdir()) == [
        "Aussonderung.Anbieteverzeichnis.0501.zip", "Aussonderung.AnbietungEmpfangBestaetigen.0504.zip",
        "Aussonderung.BewertungEmpfangBestaetigen.0505.zip", "Aussonderung.Bewertungsverzeichnis.0502.zip",
    ]


def test_the_daily_job_runs_through_the_periodic_scheduler(app: Flask) -> None:
    destroyed = make_closed_case(app, "schmitten", DELETED_PROCESS, LONG_AGO, 1)
    archival = make_closed_case(app, "schmitten", ARCHIVED_PROCESS, LONG_AGO, 2)
    [job] = [job for job in schedule.discover() if job.name == "retention.daily"]

    # Without REDIS_URL the scheduler runs the job inline, as in the embedded set-up.
    enqueued = schedule.Scheduler(app, [job]).tick(datetime(2026, 11, 25, 2, 45, tzinfo=UTC))

    assert enqueued == ["periodic-retention_daily-20261125T0245"]
    assert case_state(app, "schmitten", destroyed) is None
    assert case_state(app, "schmitten", archival)["status"] == "archived"
    assert not Path(app.config["ARCHIVE_DIR"]).exists()


def test_the_command_shows_what_is_due_without_changing_anything_when_dry(app: Flask) -> None:
    reference = make_closed_case(app, "glashuetten", ARCHIVED_PROCESS, LONG_AGO)
    destroyed = make_closed_case(app, "glashuetten", DELETED_PROCESS, LONG_AGO, 2)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["archive", "run", "--town", "glashuetten", "--today", "2026-11-25", "--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert f"glashuetten {reference}: due: archive" in dry.output
    assert f"glashuetten {reference}: retention ended, for the archive (flask aussonderung offer)" in dry.output
    assert f"glashuetten {destroyed}: due: archive, delete" in dry.output
    assert case_state(app, "glashuetten", reference)["status"] == "closed"

    done = runner.invoke(args=["archive", "run", "--town", "glashuetten", "--today", "2026-11-25"])

    assert done.exit_code == 0, done.output
    assert f"glashuetten {reference}: archive" in done.output
    assert f"glashuetten {destroyed}: archive, delete" in done.output
    assert case_state(app, "glashuetten", reference)["status"] == "archived"
    assert case_state(app, "glashuetten", destroyed) is None
