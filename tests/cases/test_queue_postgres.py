"""Queue performance on a real PostgreSQL with 20,000 cases in one town: the queue's queries use
indexes (no sequential scan of the cases table) and the page needs only a handful of statements."""

from __future__ import annotations

from pathlib import Path

import pytest
from amtsweg.cases.queries import QueueFilter, queue_page
from amtsweg.demo import add_bulk_cases
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import postgres_app, recorded_statements, tenant_info, town_client
from sqlalchemy import create_engine, event, text
from support.logins import login_as

pytestmark = pytest.mark.postgres

CASES = 20_000


@pytest.fixture
def busy_town(postgres_server, tmp_path: Path):
    with postgres_app(postgres_server, tmp_path) as app:
        _add_cases(app)
        # ANALYZE needs the tables' owner; the app's role is not.
        owner = create_engine(app.config["MIGRATION_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.execute(text("ANALYZE"))
        owner.dispose()
        yield app


def _add_cases(app) -> None:
    """Usingen gets CASES cases of the last years, Schmitten 500."""
    with app.app_context():
        for slug, count in (("usingen", CASES), ("schmitten", 500)):
            with tenant_context(tenant_info(app, slug)):
                add_bulk_cases(count)


def _plans_of_queue_queries(app, selected: QueueFilter) -> list[str]:
    """EXPLAIN of every case list query the queue runs for ``selected`` (as the app's role, under RLS)."""
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM case_file" in statement and "ORDER BY" in statement:
            statements.append((statement, parameters))

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            page = queue_page(selected)
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        assert len(page.cases) == 50
        connection = db.session.connection()
        return ["\n".join(connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
                for statement, parameters in statements]


def test_the_default_and_the_status_filtered_queue_use_an_index(busy_town):
    filters = (QueueFilter(), QueueFilter(status="in_progress"), QueueFilter(status="submitted", unassigned=True))
    for selected in filters:
        plans = _plans_of_queue_queries(busy_town, selected)
        assert plans, "the queue ran no case list query"
        for plan in plans:
            assert "Seq Scan on case_file" not in plan, plan
            assert "Index" in plan, plan


def test_the_queue_page_issues_a_handful_of_statements_for_twenty_thousand_cases(busy_town):
    client = town_client(busy_town, "usingen")
    login_as(client, "clerk", username="sb-usingen")
    with recorded_statements(busy_town) as statements:
        response = client.get("/sachbearbeitung/?status=in_progress")
    assert response.status_code == 200
    assert "US-2026-019997" in response.get_data(as_text=True)
    assert len(statements) <= 8, statements
