"""Migration 0008 turns every case's status link into the case's first access token — on PostgreSQL
too, where row-level security is forced on the owner the migration runs as (a plain copy there saw
no case at all and left every existing status link dead)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from amtsweg.extensions import db
from conftest import build_app
from flask_migrate import upgrade
from sqlalchemy import DateTime, bindparam, create_engine, text

pytestmark = pytest.mark.postgres
SUBMITTED = datetime(2026, 3, 2, 9, tzinfo=UTC)
TOWNS = ("usingen", "schmitten")


def test_every_towns_status_links_become_access_tokens_on_postgresql(postgres_server, tmp_path: Path) -> None:
    towns = TOWNS
    name = postgres_server.create_database("amtsweg_migration_0008")
    owner = create_engine(postgres_server.owner_url(name))
    app = build_app(tmp_path, DATABASE_URL=postgres_server.app_url(name),
                    MIGRATION_DATABASE_URL=postgres_server.owner_url(name))
    try:
        with app.app_context():
            upgrade(revision="0007")
        with owner.begin() as connection:
            connection.execute(text("SELECT set_config('amtsweg.all_tenants', 'on', true)"))
            connection.execute(text("INSERT INTO process (id, slug, kind, category, title, summary, keywords, "
                                    "updated_at) VALUES (1, 'p', 'digital', 'x', '{}', '{}', '[]', :at)")
                               .bindparams(bindparam("at", type_=DateTime(timezone=True))), {"at": SUBMITTED})
            connection.execute(text("INSERT INTO process_version (id, process_id, version, definition, source, author,"
                                    " created_at) VALUES (1, 1, 'v', '{}', '', 'test', :at)")
                               .bindparams(bindparam("at", type_=DateTime(timezone=True))), {"at": SUBMITTED})
            for number, town in enumerate(towns, start=1):
                connection.execute(text(
                    "INSERT INTO tenant (id, slug, name, official_name, reference_prefix, aliases, settings, "
                    "config_hash, active, created_at, updated_at) VALUES (:id, :slug, :slug, :slug, :prefix, '[]', "
                    "'{}', 'x', true, :at, :at)").bindparams(bindparam("at", type_=DateTime(timezone=True))),
                    {"id": number, "slug": town, "prefix": town[:2].upper(), "at": SUBMITTED})
                connection.execute(text(
                    "INSERT INTO case_file (tenant_id, reference, process_version_id, process_slug, channel, status, "
                    "answers, applicant_name, applicant_email, locale, fees, fee_cents, status_token_hash, "
                    "idempotency_key, submitted_at, updated_at) VALUES (:tenant, :reference, 1, 'p', 'online', "
                    "'submitted', '{}', '', '', 'de', '[]', 0, :hash, :reference, :at, :at)"
                ).bindparams(bindparam("at", type_=DateTime(timezone=True))),
                    {"tenant": number, "reference": f"{town}-1", "hash": f"{number:064d}", "at": SUBMITTED})
        with app.app_context():
            upgrade(revision="0008")
            db.engine.dispose()
        with owner.begin() as connection:
            connection.execute(text("SELECT set_config('amtsweg.all_tenants', 'on', true)"))
            tokens = connection.execute(text(
                "SELECT c.reference, t.token_hash, t.purpose, t.tenant_id = c.tenant_id FROM case_access_token t "
                "JOIN case_file c ON c.id = t.case_id ORDER BY c.reference"
            )).all()
            forced = connection.execute(text(
                "SELECT relname FROM pg_class WHERE relname IN ('case_file', 'case_access_token') "
                "AND relforcerowsecurity ORDER BY relname"
            )).scalars().all()
    finally:
        owner.dispose()
        postgres_server.drop_database(name)
    expected = [(f"{town}-1", f"{number:064d}", "submission", True) for number, town in enumerate(towns, start=1)]
    assert tokens == sorted(expected)
    # The copy lifted FORCE only while it ran.
    assert forced == ["case_access_token", "case_file"]
