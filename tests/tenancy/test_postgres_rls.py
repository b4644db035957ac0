"""Row-level security on a real PostgreSQL: town A's context cannot read or write town B's rows,
even with raw SQL that bypasses the ORM guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.extensions import db
from amtsweg.tenancy import all_tenants_context, tenant_context
from conftest import postgres_app, tenant_info, town_client
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres_server, tmp_path: Path):
    """Towns only (no process library), with one audit event in Usingen and one in Schmitten."""
    with postgres_app(postgres_server, tmp_path, library=False) as app:
        with app.app_context():
            usingen, schmitten = tenant_info(app, "usingen"), tenant_info(app, "schmitten")
            with tenant_context(usingen):
                record("clerk-u", "viewed", "case", 1)
                db.session.commit()
            with tenant_context(schmitten):
                record("clerk-s", "viewed", "case", 2)
                db.session.commit()
        yield app


def test_the_app_role_does_not_own_the_tables_and_rls_is_forced(pg_app):
    with pg_app.app_context():
        row = db.session.execute(
            text("SELECT tableowner, rowsecurity, current_user FROM pg_tables WHERE tablename = 'audit_event'")
        ).one()
        forced = db.session.execute(
            text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'audit_event'")
        ).scalar()
    owner, rowsecurity, app_role = row
    assert owner != app_role
    assert rowsecurity is True and forced is True


def test_raw_sql_under_one_towns_context_reads_only_that_towns_rows(pg_app):
    usingen = tenant_info(pg_app, "usingen")
    with pg_app.app_context(), tenant_context(usingen):
        actors = db.session.execute(text("SELECT actor FROM audit_event")).scalars().all()
    assert actors == ["clerk-u"]


def test_raw_sql_without_a_town_reads_nothing(pg_app):
    with pg_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0


def test_raw_sql_cannot_write_a_row_for_another_town(pg_app):
    usingen, schmitten = tenant_info(pg_app, "usingen"), tenant_info(pg_app, "schmitten")
    with pg_app.app_context(), tenant_context(usingen):
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO audit_event (tenant_id, occurred_at, actor, action, object_type, object_id, host,"
                    " details) VALUES (:t, now(), 'x', 'y', 'z', '1', '', '{}')"
                ),
                {"t": schmitten.id},
            )
        db.session.rollback()


def test_the_town_setting_does_not_leak_into_the_next_transaction(pg_app):
    usingen = tenant_info(pg_app, "usingen")
    with pg_app.app_context():
        with tenant_context(usingen):
            assert db.session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
            db.session.commit()
        assert db.session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0


def test_switching_town_inside_an_open_transaction_switches_the_policy(pg_app):
    usingen, schmitten = tenant_info(pg_app, "usingen"), tenant_info(pg_app, "schmitten")
    with pg_app.app_context(), tenant_context(usingen):
        assert db.session.execute(text("SELECT actor FROM audit_event")).scalars().all() == ["clerk-u"]
        with tenant_context(schmitten):
            assert db.session.execute(text("SELECT actor FROM audit_event")).scalars().all() == ["clerk-s"]


def test_cross_town_context_reads_every_town(pg_app):
    with pg_app.app_context(), all_tenants_context():
        assert sorted(db.session.scalars(select(AuditEvent.actor))) == ["clerk-s", "clerk-u"]


def test_the_audit_log_is_append_only(pg_app):
    usingen = tenant_info(pg_app, "usingen")
    with pg_app.app_context(), tenant_context(usingen):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE audit_event SET actor = 'someone else'"))
        db.session.rollback()


def test_the_towns_are_served_from_postgresql(pg_app):
    response = town_client(pg_app, "usingen").get("/")
    assert response.status_code == 200
    assert "Stadt Usingen" in response.get_data(as_text=True)
    assert town_client(pg_app, "usingen").get("/healthz").json["checks"]["database"] == "ok"
