"""On PostgreSQL with row-level security (as the app's role): the policies read their settings once
per statement, and the queue's due-date order and the name search can use an index."""

from __future__ import annotations

from pathlib import Path

import pytest
from amtsweg.cases.models import Case
from amtsweg.cases.search import matching
from amtsweg.demo import add_bulk_cases
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import postgres_app, tenant_info
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.dialects import postgresql

pytestmark = pytest.mark.postgres

CASES = 5_000


@pytest.fixture(scope="module")
def busy_town(postgres_server, tmp_path_factory):
    with postgres_app(postgres_server, Path(tmp_path_factory.mktemp("busy"))) as app:
        with app.app_context():
            for slug, count in (("usingen", CASES), ("schmitten", 300)):
                with tenant_context(tenant_info(app, slug)):
                    add_bulk_cases(count)
        # ANALYZE needs the tables' owner; the app's role is not.
        owner = create_engine(app.config["MIGRATION_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.execute(text("ANALYZE"))
        owner.dispose()
        yield app


def _plan(app, statement) -> str:
    """EXPLAIN ANALYZE of an ORM statement as the app role in Usingen (with the ORM's town filter)."""
    captured = []

    def grab(conn, cursor, sql, parameters, context, executemany):
        captured.append((sql, parameters))

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            db.session.execute(statement.limit(51)).all()
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        sql, parameters = next((sql, parameters) for sql, parameters in captured if "FROM case_file" in sql)
        return "\n".join(db.session.connection().exec_driver_sql(f"EXPLAIN ANALYZE {sql}", parameters).scalars())


def test_the_policies_read_the_town_setting_once_per_statement(busy_town):
    plan = _plan(busy_town, select(Case).where(Case.status == "in_progress").order_by(Case.id.desc()))
    assert "InitPlan" in plan, plan
    with busy_town.app_context():
        policy = db.session.execute(text(
            "SELECT qual FROM pg_policies WHERE tablename = 'case_file' AND policyname = 'tenant_isolation'"
        )).scalar_one()
    # Stored as PostgreSQL prints it: each setting read in its own scalar subquery.
    assert "( SELECT current_setting('amtsweg.all_tenants'" in policy
    assert "( SELECT (NULLIF(current_setting('amtsweg.tenant_id'" in policy


def test_the_queue_by_due_date_reads_the_due_date_index(busy_town):
    plan = _plan(busy_town, select(Case).order_by(Case.due_date.asc().nulls_last(), Case.id))
    assert "ix_case_file_tenant_due_date" in plan, plan
    assert "Sort" not in plan, plan


def test_a_name_search_uses_the_search_term_index_under_row_level_security(busy_town):
    plan = _plan(busy_town, select(Case).where(matching("Person 4711")).order_by(Case.id.desc()))
    assert "pk_case_search_term" in plan, plan
    assert "Seq Scan on case_search_term" not in plan, plan
    assert "Seq Scan on case_file" not in plan, plan


def test_a_name_search_finds_word_beginnings_in_the_own_town_only(busy_town):
    with busy_town.app_context():
        with tenant_context(tenant_info(busy_town, "usingen")):
            names = db.session.scalars(select(Case.applicant_name).where(matching("person 471"))).all()
            references = db.session.scalars(select(Case.reference).where(matching("us-2026-004711"))).all()
        with tenant_context(tenant_info(busy_town, "schmitten")):
            elsewhere = db.session.scalars(select(Case.applicant_name).where(matching("Person 4711"))).all()
    assert sorted(names) == sorted(["Person 471", *[f"Person 471{n}" for n in range(10)]])
    assert references == ["US-2026-004711"]
    assert elsewhere == []


def test_the_statement_is_compiled_for_postgresql():
    sql = str(select(Case.id).where(matching("Müller")).compile(dialect=postgresql.dialect()))
    assert "case_search_term.term >=" in sql and "case_search_term.term <" in sql
