"""A town's Aktenplan: its own file or the shared default, checked on `flask tenants sync` with file,
key and problem; the town may file a process under another unit in tenant.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.processes.loader import load_library
from amtsweg.processes.services import filing_problems
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy.config import load_all
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.services import TenantConfigError, sync_tenants
from flask import Flask
from sqlalchemy import select

REAL_TENANTS = REPOSITORY_ROOT / "tenants"
LIBRARY = REPOSITORY_ROOT / "shared_processes"
OWN_PLAN = """title: "Aktenplan der Stadt Usingen"
units:
  "32": {title: "Ordnungsamt"}
  "32.1": {title: "Gewerbe", retention_years: 10, archive: B}
  "32.1.1": {title: "Gewerbeanzeigen"}
"""


@pytest.fixture
def tenants_copy(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REAL_TENANTS, target)
    return target


def problems_with_plan(tenants_copy: Path, plan: str) -> list[str]:
    (tenants_copy / "usingen" / "aktenplan.yaml").write_text(plan, encoding="utf-8")
    return [str(problem) for problem in load_all(tenants_copy)[1]]


def test_every_town_uses_the_valid_shared_default_and_inherits_retention_down_the_tree() -> None:
    configs, problems = load_all(REAL_TENANTS)

    assert problems == []
    plan = configs[0].settings()["aktenplan"]
    assert plan["file"] == "shared_processes/_aktenplan.yaml"
    assert plan["units"]["1.3.1"] == {"title": "Gewerbeanzeigen", "retention_years": 10, "archive": "A"}
    assert plan["units"]["1"]["retention_years"] is None


def test_a_towns_own_plan_replaces_the_default_and_children_inherit_from_their_parent(tenants_copy: Path) -> None:
    assert problems_with_plan(tenants_copy, OWN_PLAN) == []

    usingen = next(c for c in load_all(tenants_copy)[0] if c.slug == "usingen")
    plan = usingen.settings()["aktenplan"]
    assert plan["file"] == "usingen/aktenplan.yaml"
    assert plan["units"]["32.1.1"] == {"title": "Gewerbeanzeigen", "retention_years": 10, "archive": "B"}


@pytest.mark.parametrize(("plan", "expected"), [
    ('title: "x"\nunits:\n  "1": {title: "A", retention_years: 2, archive: X}\n',
     'usingen/aktenplan.yaml: units["1"].archive: Input should be \'A\', \'B\' or \'V\''),
    ('title: "x"\nunits:\n  "1.2": {title: "A", retention_years: 2, archive: A}\n',
     'usingen/aktenplan.yaml: units["1.2"]: its parent unit "1" is missing'),
    ('title: "x"\nunits:\n  "1a": {title: "A", retention_years: 2, archive: A}\n',
     'usingen/aktenplan.yaml: units["1a"]: a unit number is digits separated by dots, e.g. "1.2.3"'),
    ('title: "x"\nunits:\n  "1": {title: "A", archive: A}\n',
     'usingen/aktenplan.yaml: units["1"].retention_years: not set here nor on a unit above (needed for filing)'),
    ('title: "x"\nunits:\n  "1": {title: "A", retention_years: 2, archive: A, frist: 3}\n',
     'usingen/aktenplan.yaml: units["1"].frist: Extra inputs are not permitted'),
    ('title: "x"\nunits:\n  "1": {title: "A", retention_years: "zehn", archive: A}\n',
     'usingen/aktenplan.yaml: units["1"].retention_years: Input should be a valid integer'),
    ('title: "x"\nunits:\n  "1": {title: "A"}\n  "1": {title: "B"}\n',
     "usingen/aktenplan.yaml: (syntax): invalid YAML:"),
    ("units: {}\n", "usingen/aktenplan.yaml: title: Field required"),
])
def test_a_broken_plan_is_reported_with_file_key_and_problem(tenants_copy: Path, plan: str, expected: str) -> None:
    problems = problems_with_plan(tenants_copy, plan)

    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_broken_default_plan_is_reported_once(tmp_path: Path, tenants_copy: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "_aktenplan.yaml").write_text('title: "x"\nunits: {}\n', encoding="utf-8")

    _, problems = load_all(tenants_copy, processes_dir=library)

    assert [str(p) for p in problems] == ["library/_aktenplan.yaml: units: Dictionary should have at least 1 item "
                                          "after validation, not 0"]


def test_a_town_maps_a_process_onto_a_unit_of_its_own_plan_in_tenant_toml(tenants_copy: Path) -> None:
    toml = tenants_copy / "usingen" / "tenant.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[aktenplan.processes]\ngewerbe-anmelden = "32.1.9"\n'
                    'gewerbe-abmelden = "32"\n', encoding="utf-8")

    problems = problems_with_plan(tenants_copy, OWN_PLAN)

    assert problems == [
        "usingen/tenant.toml: aktenplan.processes.gewerbe-anmelden: unit '32.1.9' is not in usingen/aktenplan.yaml",
        "usingen/tenant.toml: aktenplan.processes.gewerbe-abmelden: unit '32' of usingen/aktenplan.yaml has no "
        "retention or archive hint, cases cannot be filed there",
    ]


def test_processes_a_towns_own_plan_cannot_file_are_named_against_the_library(tenants_copy: Path) -> None:
    toml = tenants_copy / "usingen" / "tenant.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[aktenplan.processes]\ngewerbe-anmelden = "32.1.1"\n'
                    'gibt-es-nicht = "32.1.1"\n', encoding="utf-8")
    (tenants_copy / "usingen" / "aktenplan.yaml").write_text(OWN_PLAN, encoding="utf-8")
    usingen = next(c for c in load_all(tenants_copy)[0] if c.slug == "usingen")

    problems = [str(p) for p in filing_problems("usingen", usingen.settings()["aktenplan"], load_library(LIBRARY))]

    assert problems[0] == ("tenants/usingen/tenant.toml: aktenplan.processes.gibt-es-nicht: "
                           "unknown process 'gibt-es-nicht'")
    assert not any("'gewerbe-anmelden'" in problem for problem in problems)
    assert ("tenants/usingen/tenant.toml: aktenplan.processes.hundesteuer-anmelden: process 'hundesteuer-anmelden' "
            "is filed under unit '9.0.3', which usingen/aktenplan.yaml does not have (or has no retention there); "
            "map it to one of the town's units") in problems


def test_sync_stores_the_plan_with_the_town_and_a_broken_plan_changes_nothing(app: Flask, tenants_copy: Path) -> None:
    with app.app_context():
        (tenants_copy / "usingen" / "aktenplan.yaml").write_text(OWN_PLAN, encoding="utf-8")
        assert sync_tenants(tenants_copy).updated == ["usingen"]
        stored = db.session.scalar(select(Tenant).filter_by(slug="usingen")).info().aktenplan
        assert stored.file == "usingen/aktenplan.yaml"
        assert stored.unit_for("gewerbe-anmelden", "32.1.1").title == "Gewerbeanzeigen"

        (tenants_copy / "usingen" / "aktenplan.yaml").write_text(OWN_PLAN.replace("archive: B", "archive: Q"),
                                                                 encoding="utf-8")
        with pytest.raises(TenantConfigError):
            sync_tenants(tenants_copy)
        db.session.rollback()
        kept = db.session.scalar(select(Tenant).filter_by(slug="usingen")).info().aktenplan
        assert kept.unit_for("gewerbe-anmelden", "32.1.1").archive == "B"


def test_the_cli_names_a_broken_plan_and_exits_non_zero(app: Flask, tenants_copy: Path) -> None:
    (tenants_copy / "schmitten" / "aktenplan.yaml").write_text('title: "x"\nunits:\n  "1.1": {title: "A"}\n',
                                                               encoding="utf-8")
    app.config["TENANTS_DIR"] = str(tenants_copy)

    result = app.test_cli_runner().invoke(args=["tenants", "sync"])

    assert result.exit_code != 0
    assert 'schmitten/aktenplan.yaml: units["1.1"]: its parent unit "1" is missing' in result.output
