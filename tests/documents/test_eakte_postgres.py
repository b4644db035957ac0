"""The eAkte on a real PostgreSQL: its tables are isolated per town by row-level security, stored
versions cannot be updated even with raw SQL, and the migration turns existing documents into
their first versions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from amtsweg.archive import aussonderung as cycle
from amtsweg.archive import services
from amtsweg.extensions import db
from amtsweg.tenancy.rls import POLICY_NAME
from amtsweg.tenancy.scoping import TenantOwned
from casefiles import in_town, make_case
from conftest import build_app
from flask_migrate import upgrade
from simulators.xdomea_archive import ArchiveSimulator
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.postgres_server import PostgresServer

pytestmark = pytest.mark.postgres
EAKTE_TABLES = ("akte", "vorgang", "legal_hold", "document_version", "integrity_finding", "aussonderung",
                "aussonderung_object", "disposal_record")


def test_every_tenant_owned_table_has_its_policy_and_forced_row_level_security(pg_app) -> None:
    tenant_tables = {mapper.local_table.name for mapper in db.Model.registry.mappers
                     if issubclass(mapper.class_, TenantOwned)}
    with pg_app.app_context():
        protected = set(db.session.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE p.polname = :name AND c.relrowsecurity AND c.relforcerowsecurity"
        ), {"name": POLICY_NAME}).scalars())
    assert set(EAKTE_TABLES) <= tenant_tables
    assert tenant_tables - protected == set()


def test_a_towns_records_and_aussonderung_are_invisible_to_another_town(pg_app, tmp_path: Path) -> None:
    pg_app.config["ARCHIVE_DIR"] = str(tmp_path / "archive")
    make_case(pg_app, "usingen", "fischereischein", status="closed", closed_at=datetime(2012, 5, 2, tzinfo=UTC))
    with in_town(pg_app, "usingen"):
        services.run_retention(date(2026, 1, 1))
        offer = (tmp_path / "archive" / cycle.offer(date(2026, 1, 1), "test").offer_file).read_bytes()
        states = [cycle.import_message(answer, "test").aussonderung.state
                  for _name, answer in ArchiveSimulator().answer(offer)]
    assert states == ["offered", "assessed"]  # the 0504 receipt, then the 0502 assessment

    counts = {}
    for town in ("usingen", "schmitten"):
        with in_town(pg_app, town):
            counts[town] = [db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                            for table in ("akte", "vorgang", "document_version", "aussonderung", "aussonderung_object")]
    assert counts == {"usingen": [1, 1, 1, 1, 1], "schmitten": [0, 0, 0, 0, 0]}


def test_a_stored_version_cannot_be_updated_even_with_raw_sql(pg_app) -> None:
    make_case(pg_app, "usingen", "fischereischein")
    with in_town(pg_app, "usingen"):
        with pytest.raises(DBAPIError, match="is immutable"):
            db.session.execute(text("UPDATE document_version SET sha256 = repeat('0', 64)"))
        db.session.rollback()


def test_the_migration_makes_every_existing_document_its_first_version(postgres_server: PostgresServer,
                                                                      tmp_path: Path) -> None:
    name = f"amtsweg_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    app = build_app(tmp_path, DATABASE_URL=postgres_server.app_url(name),
                    MIGRATION_DATABASE_URL=postgres_server.owner_url(name))
    try:
        with app.app_context():
            upgrade(revision="0010")
        with postgres_server.connect(postgres_server.owner_url(name), autocommit=True) as connection:
            connection.execute("SELECT set_config('amtsweg.all_tenants', 'on', false)")
            connection.execute("INSERT INTO tenant (slug, name, official_name, reference_prefix, aliases, settings, "
                               "config_hash, active, created_at, updated_at) VALUES ('usingen', 'Usingen', "
                               "'Stadt Usingen', 'US', '[]', '{}', 'x', true, now(), now())")
            connection.execute("INSERT INTO document (storage_key, filename, content_type, size, sha256, source, "
                               "created_at, tenant_id) SELECT 'usingen/2025/01/abc', 'Antrag.pdf', 'application/pdf', "
                               "42, repeat('a', 64), 'clerk', '2025-01-02', id FROM tenant")
        with app.app_context():
            upgrade(revision="heads")
        # Read as the operations role: it sees every town's rows (row-level security proves one town).
        with postgres_server.connect(postgres_server.ops_url(name), autocommit=True) as connection:
            versions = connection.execute(
                "SELECT number, storage_key, filename, size, sha256, channel, created_by FROM document_version"
            ).fetchall()
    finally:
        with app.app_context():
            db.engine.dispose()
        postgres_server.drop_database(name)
    assert versions == [(1, "usingen/2025/01/abc", "Antrag.pdf", 42, "a" * 64, "intake", "clerk")]
