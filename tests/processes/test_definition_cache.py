"""A stored process version is parsed and validated once per process: versions are immutable and
named by the hash of their content, so pages that show a process do not read its definition again."""

from __future__ import annotations

from amtsweg.extensions import db
from amtsweg.processes.loader import from_storable, stored_definition
from amtsweg.processes.models import Process, ProcessVersion
from conftest import recorded_statements
from sqlalchemy import select


def test_the_service_page_reads_the_stored_definition_at_most_once(app, client_for):
    client = client_for("neu-anspach")
    assert client.get("/leistungen/hundesteuer-anmelden").status_code == 200
    with recorded_statements(app) as statements:
        page = client.get("/leistungen/hundesteuer-anmelden")
    assert page.status_code == 200
    assert "Hund" in page.get_data(as_text=True)
    assert not [s for s in statements if "process_version.definition" in s], statements


def test_one_version_gives_one_parsed_definition(app):
    with app.app_context():
        version = db.session.scalar(
            select(ProcessVersion).join(Process, Process.current_version_id == ProcessVersion.id)
            .where(Process.slug == "gewerbe-anmelden")
        )
        first = from_storable(version.definition)
        again = stored_definition(version.version, lambda: {"definition": {"not": "read"}})
    assert again is first
    assert first.slug == "gewerbe-anmelden"
