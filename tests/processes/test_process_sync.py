"""Syncing the library into the database: immutable versions, per-town enablement seeded once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.extensions import db
from amtsweg.processes import queries, services
from amtsweg.processes.loader import from_storable, load_library
from amtsweg.processes.models import ImmutableVersionError, Process, ProcessEnablement, ProcessVersion
from amtsweg.tenancy import all_tenants_context, tenant_context
from conftest import tenant_info
from sqlalchemy import func, select

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY, root)
    return root


def _edit(root: Path, slug: str, old: str, new: str) -> None:
    path = root / slug / "process.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _versions(slug: str) -> list[ProcessVersion]:
    return db.session.scalars(
        select(ProcessVersion).join(Process).where(Process.slug == slug).order_by(ProcessVersion.id)
    ).all()


def test_the_synced_database_holds_every_valid_definition_with_its_current_version(app):
    library = load_library(LIBRARY)
    with app.app_context():
        processes = {p.slug: p for p in db.session.scalars(select(Process))}
        assert set(library.processes) <= set(processes)
        for slug, loaded in library.processes.items():
            version = db.session.get(ProcessVersion, processes[slug].current_version_id)
            assert version.version == loaded.version
            assert from_storable(version.definition) == loaded.definition


def test_a_second_sync_changes_nothing(app):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ProcessVersion))
        report = services.sync_library(Path(app.config["PROCESSES_DIR"]), skip_invalid=True)
        after = db.session.scalar(select(func.count()).select_from(ProcessVersion))
    assert report.created == [] and report.updated == [] and report.seeded == {}
    assert len(report.unchanged) >= 80
    assert before == after


def test_a_changed_definition_becomes_a_new_version_and_the_old_one_stays(app, library_copy):
    _edit(library_copy, "hundesteuer-anmelden", "processing_days: 10", "processing_days: 12")
    with app.app_context():
        old = _versions("hundesteuer-anmelden")[0]
        old_id, old_hash, old_definition = old.id, old.version, dict(old.definition)
        report = services.sync_library(library_copy)
        db.session.expire_all()
        versions = _versions("hundesteuer-anmelden")
        process = queries.process_by_slug("hundesteuer-anmelden")
        assert report.updated == ["hundesteuer-anmelden"]
        assert "gewerbe-anmelden" in report.unchanged
        assert [v.id for v in versions] == [old_id, process.current_version_id]
        assert versions[0].version == old_hash and versions[0].definition == old_definition
        assert versions[1].definition["definition"]["processing_days"] == 12
        assert versions[1].author == services.SYNC_AUTHOR


def test_a_broken_definition_stops_sync_with_every_error_and_changes_nothing(app, library_copy):
    _edit(library_copy, "hundesteuer-anmelden", "processing_days: 10", "processing_days: viele")
    _edit(library_copy, "gewerbe-anmelden", "kind: digital", "kind: analog")
    _edit(library_copy, "meldebescheinigung", "processing_days:", "processing_days: 3\nunbekannt: 1\nx_days:")
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ProcessVersion))
        with pytest.raises(services.ProcessLibraryError) as caught:
            services.sync_library(library_copy)
        assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == count
    found = {(p.file, p.path) for p in caught.value.problems}
    assert ("hundesteuer-anmelden/process.yaml", "processing_days") in found
    assert ("gewerbe-anmelden/process.yaml", "kind") in found
    assert ("meldebescheinigung/process.yaml", "unbekannt") in found


def test_stored_versions_can_be_neither_changed_nor_deleted(app):
    with app.app_context():
        version = _versions("gewerbe-anmelden")[0]
        version.author = "someone else"
        with pytest.raises(ImmutableVersionError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(_versions("gewerbe-anmelden")[0])
        with pytest.raises(ImmutableVersionError):
            db.session.flush()


def test_enablement_follows_each_towns_tenant_toml(app):
    expectations = {
        "neu-anspach": {"sondernutzung-strasse": True, "gruenschnitt-abholung": True, "bafoeg": True},
        "usingen": {"sondernutzung-strasse": True, "gruenschnitt-abholung": False},
        "graevenwiesbach": {"sondernutzung-strasse": False, "gruenschnitt-abholung": True},
    }
    with app.app_context():
        for town, expected in expectations.items():
            with tenant_context(tenant_info(app, town)):
                for slug, enabled in expected.items():
                    assert (queries.enabled_process(slug) is not None) is enabled, (town, slug)
        with tenant_context(tenant_info(app, "usingen")):
            offered = queries.enabled_process("gewerbe-anmelden")
            assert offered.fee_overrides == {"gebuehr": 3000}
            assert offered.department == "Ordnungsamt – Gewerbeangelegenheiten"
        with tenant_context(tenant_info(app, "schmitten")):
            assert queries.enabled_process("halteverbot-umzug").processing_days == 7


def test_sync_only_seeds_missing_rows_so_the_database_keeps_the_live_state(app):
    usingen = tenant_info(app, "usingen")
    with app.app_context():
        with tenant_context(usingen):
            services.set_enabled("gewerbe-anmelden", False, actor="verwaltung")
            services.set_overrides("hundesteuer-anmelden", {"department": "Kasse"}, actor="verwaltung")
        report = services.sync_library(Path(app.config["PROCESSES_DIR"]), skip_invalid=True)
        with tenant_context(usingen):
            assert queries.enabled_process("gewerbe-anmelden") is None
            assert queries.enabled_process("hundesteuer-anmelden").department == "Kasse"
            actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert report.seeded == {}
    assert actions == ["process_disabled", "process_overrides_changed"]


def test_a_new_process_is_seeded_for_every_town_from_its_offer(app, library_copy):
    shutil.copytree(library_copy / "gewerbe-anmelden", library_copy / "gewerbe-probe")
    _edit(library_copy, "gewerbe-probe", "slug: gewerbe-anmelden", "slug: gewerbe-probe")
    _edit(library_copy, "gewerbe-probe", 'leika: "99050012104000"', "")
    with app.app_context():
        report = services.sync_library(library_copy)
        with all_tenants_context():
            rows = db.session.scalars(
                select(ProcessEnablement).join(Process).where(Process.slug == "gewerbe-probe")
            ).all()
    assert report.created == ["gewerbe-probe"]
    assert all(slugs == ["gewerbe-probe"] for slugs in report.seeded.values())
    # Only Neu-Anspach offers "all"; the others list their processes by name.
    enabled = {row.tenant_id: row.enabled for row in rows}
    assert enabled == {tenant_info(app, t).id: t == "neu-anspach"
                       for t in ("neu-anspach", "usingen", "graevenwiesbach", "schmitten", "glashuetten")}


def test_publishing_an_edited_definition_keeps_the_version_cases_refer_to(app):
    root = Path(app.config["PROCESSES_DIR"])
    with app.app_context():
        process = queries.process_by_slug("gewerbe-anmelden")
        referenced = queries.current_version(process)
        referenced_id, referenced_hash = referenced.id, referenced.version
        referenced_definition = dict(referenced.definition)
        source = referenced.source.replace("processing_days: ", "processing_days: 1", 1)
        version = services.publish_source(root, "gewerbe-anmelden", source, author="Erika Admin (Verbund)")
        db.session.expire_all()
        kept = db.session.get(ProcessVersion, referenced_id)
        assert kept.version == referenced_hash and kept.definition == referenced_definition
        assert queries.process_by_slug("gewerbe-anmelden").current_version_id == version.id != referenced_id
        assert version.author == "Erika Admin (Verbund)"
        with tenant_context(tenant_info(app, "usingen")):
            event = db.session.scalars(select(AuditEvent)).one()
            assert queries.enabled_process("gewerbe-anmelden").version.id == version.id
        assert event.action == "process_version_published" and event.details["version"] == version.version


def test_an_invalid_edit_is_refused_with_its_errors_and_nothing_is_stored(app):
    root = Path(app.config["PROCESSES_DIR"])
    with app.app_context():
        process = queries.process_by_slug("gewerbe-anmelden")
        source = queries.current_version(process).source.replace("kind: digital", "kind: analog")
        with pytest.raises(services.ProcessLibraryError) as caught:
            services.publish_source(root, "gewerbe-anmelden", source, author="x")
        assert len(_versions("gewerbe-anmelden")) == 1
    assert [(p.file, p.path) for p in caught.value.problems] == [("gewerbe-anmelden/process.yaml", "kind")]


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        ({"offer": ["gibt-es-nicht"]}, "processes.offer", "unknown process 'gibt-es-nicht'"),
        ({"offer": "alles"}, "processes.offer", 'must be "all" or a list of process slugs'),
        ({"angebot": "all"}, "processes.angebot", "unknown key"),
        ({"overrides": {"gewerbe-anmelden": {"fees": {"porto": 100}}}},
         "processes.overrides.gewerbe-anmelden.fees", "unknown fee 'porto'"),
        ({"overrides": {"gewerbe-anmelden": {"fees": {"gebuehr": -5}}}},
         "processes.overrides.gewerbe-anmelden.fees", "non-negative number of cents"),
        ({"overrides": {"gewerbe-anmelden": {"processing_days": 0}}},
         "processes.overrides.gewerbe-anmelden.processing_days", "between 1 and 365"),
        ({"overrides": {"gewerbe-anmelden": {"farbe": "rot"}}},
         "processes.overrides.gewerbe-anmelden.farbe", "unknown override"),
        ({"overrides": {"gibt-es-nicht": {}}}, "processes.overrides.gibt-es-nicht", "unknown process"),
    ],
)
def test_bad_town_settings_are_reported_with_file_and_key(settings, key, message):
    problems = services.offer_problems("usingen", settings, load_library(LIBRARY))
    assert [(p.file, p.path) for p in problems] == [("tenants/usingen/tenant.toml", key)]
    assert message in problems[0].message


def test_overrides_that_do_not_fit_the_definition_are_refused_by_the_service(app):
    with app.app_context(), tenant_context(tenant_info(app, "usingen")), pytest.raises(ValueError, match="unknown fee"):
        services.set_overrides("gewerbe-anmelden", {"fees": {"porto": 100}}, actor="x")


def _publish_edit(app, root: Path) -> int:
    process = queries.process_by_slug("gewerbe-anmelden")
    source = queries.current_version(process).source.replace("processing_days: ", "processing_days: 1", 1)
    return services.publish_source(root, "gewerbe-anmelden", source, author="Erika Admin (Verbund)").id


def test_a_version_published_in_the_editor_survives_the_next_sync_of_an_unchanged_folder(app):
    root = Path(app.config["PROCESSES_DIR"])
    with app.app_context():
        published = _publish_edit(app, root)
        report = services.sync_library(root, skip_invalid=True)
        db.session.expire_all()
        assert queries.process_by_slug("gewerbe-anmelden").current_version_id == published
    assert "gewerbe-anmelden" in report.unchanged and report.updated == [] and report.conflicts == []


def test_a_folder_changed_after_a_publication_is_reported_and_the_published_version_stays(app, library_copy):
    with app.app_context():
        published = _publish_edit(app, library_copy)
        _edit(library_copy, "gewerbe-anmelden", "processing_days: ", "processing_days: 2")
        report = services.sync_library(library_copy)
        db.session.expire_all()
        assert queries.process_by_slug("gewerbe-anmelden").current_version_id == published
    assert report.conflicts == ["gewerbe-anmelden"] and "gewerbe-anmelden" not in report.updated


def test_a_folder_that_takes_over_the_published_source_moves_on_with_later_changes(app, library_copy):
    with app.app_context():
        published = _publish_edit(app, library_copy)
        source = db.session.get(ProcessVersion, published).source
        (library_copy / "gewerbe-anmelden" / "process.yaml").write_text(source, encoding="utf-8")
        assert "gewerbe-anmelden" in services.sync_library(library_copy).unchanged
        _edit(library_copy, "gewerbe-anmelden", "processing_days: 1", "processing_days: 3")
        assert services.sync_library(library_copy).updated == ["gewerbe-anmelden"]
        db.session.expire_all()
        assert queries.process_by_slug("gewerbe-anmelden").current_version_id != published


def test_the_sync_command_warns_about_a_conflict(app, library_copy):
    with app.app_context():
        _publish_edit(app, library_copy)
    _edit(library_copy, "gewerbe-anmelden", "processing_days: ", "processing_days: 2")
    app.config["PROCESSES_DIR"] = str(library_copy)
    result = app.test_cli_runner().invoke(args=["processes", "sync"])
    assert result.exit_code == 0
    assert "warning: gewerbe-anmelden: changed in the folder and published in the editor" in result.output
