"""Where a case is filed: the town's own mapping wins over the unit the definition names, and a case
of a definition version from before units were named files under its process's current unit."""

from __future__ import annotations

import pytest
from amtsweg.cases.workflow import definition_of
from amtsweg.documents import records
from amtsweg.extensions import db
from amtsweg.processes.models import Process, ProcessVersion
from amtsweg.tenancy.context import all_tenants_context
from amtsweg.tenancy.models import Tenant
from casefiles import case_by_reference, in_town, make_case
from flask import Flask
from sqlalchemy import select

TOWN = "graevenwiesbach"


def filed(app: Flask, reference: str) -> tuple[str, int, str]:
    with in_town(app, TOWN):
        case = case_by_reference(reference)
        vorgang = records.file_case(case, definition_of(case)[1])
        db.session.commit()
        return vorgang.aktenzeichen.split("-")[0], vorgang.retention_years, vorgang.archive_hint


def test_the_towns_mapping_files_a_process_under_its_own_unit(app: Flask) -> None:
    with app.app_context(), all_tenants_context():
        town = db.session.scalars(select(Tenant).filter_by(slug=TOWN)).one()
        town.settings = {**town.settings, "aktenplan": {**town.settings["aktenplan"],
                                                        "processes": {"hundesteuer-anmelden": "9.0.4"}}}
        db.session.commit()
    reference = make_case(app, TOWN, "hundesteuer-anmelden")

    assert filed(app, reference) == ("9.0.4", 10, "V")


def test_a_case_of_a_version_without_a_unit_files_under_the_current_versions_unit(app: Flask) -> None:
    with app.app_context():
        process = db.session.scalars(select(Process).filter_by(slug="fischereischein")).one()
        current = db.session.get(ProcessVersion, process.current_version_id)
        old = {**current.definition, "version": "0" * 64,
               "definition": {k: v for k, v in current.definition["definition"].items() if k != "aktenplan"}}
        legacy = ProcessVersion(process_id=process.id, version=old["version"], definition=old, source="", author="test")
        db.session.add(legacy)
        db.session.commit()
        legacy_id = legacy.id
    reference = make_case(app, TOWN, "fischereischein")
    with in_town(app, TOWN):
        case_by_reference(reference).process_version_id = legacy_id
        db.session.commit()
        assert definition_of(case_by_reference(reference))[1].aktenplan is None

    assert filed(app, reference) == ("1.4.5", 10, "A")


def test_a_town_without_a_fitting_unit_cannot_file_and_says_what_to_check(app: Flask) -> None:
    with app.app_context(), all_tenants_context():
        town = db.session.scalars(select(Tenant).filter_by(slug=TOWN)).one()
        town.settings = {**town.settings, "aktenplan": {**town.settings["aktenplan"],
                                                        "processes": {"hundesteuer-anmelden": "7"}}}
        db.session.commit()
    reference = make_case(app, TOWN, "hundesteuer-anmelden")

    with pytest.raises(records.FilingError, match=r"tenant.toml \[aktenplan.processes\]"):
        filed(app, reference)
