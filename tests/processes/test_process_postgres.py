"""The process tables on a real PostgreSQL: enablement rows are isolated per town by row-level
security, and stored versions cannot be changed even with raw SQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.processes import queries
from amtsweg.processes.services import sync_library
from amtsweg.tenancy import tenant_context
from amtsweg.tenancy.services import sync_tenants
from conftest import build_app, tenant_info, town_client
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres_server, tmp_path: Path):
    name = f"amtsweg_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    app = build_app(tmp_path, DATABASE_URL=postgres_server.app_url(name),
                    MIGRATION_DATABASE_URL=postgres_server.owner_url(name))
    with app.app_context():
        upgrade(revision="heads")
        sync_tenants(Path(app.config["TENANTS_DIR"]))
        sync_library(Path(app.config["PROCESSES_DIR"]), skip_invalid=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    postgres_server.drop_database(name)


def test_raw_sql_sees_only_the_current_towns_enablement(pg_app):
    usingen = tenant_info(pg_app, "usingen")
    with pg_app.app_context(), tenant_context(usingen):
        towns = db.session.execute(text("SELECT DISTINCT tenant_id FROM process_enablement")).scalars().all()
    with pg_app.app_context():
        without_town = db.session.execute(text("SELECT count(*) FROM process_enablement")).scalar()
    assert towns == [usingen.id]
    assert without_town == 0


def test_stored_versions_cannot_be_changed_with_raw_sql(pg_app):
    with pg_app.app_context():
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(text("UPDATE process_version SET author = 'x'"))
        db.session.rollback()
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(text("DELETE FROM process_version"))


def test_the_catalogue_is_served_from_postgresql(pg_app):
    page = town_client(pg_app, "graevenwiesbach").get("/leistungen").get_data(as_text=True)
    assert "/leistungen/gruenschnitt-abholung" in page
    assert "/leistungen/sondernutzung-strasse" not in page
    with pg_app.app_context(), tenant_context(tenant_info(pg_app, "graevenwiesbach")):
        assert queries.enabled_process("sondernutzung-strasse") is None
