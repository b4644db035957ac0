"""On PostgreSQL with row-level security (as the app's role): the policies read their settings once
per statement, and the queue's due-date order and the name search can use an index."""

from __future__ import annotations

from pathlib import Path

import pytest
from amtsweg.cases.models import Case
from amtsweg.cases.queries import COUNT_LIMIT, DUE, OLDEST, QueueFilter, most_used_services, queue_page
from amtsweg.cases.search import matching
from amtsweg.cases.states import STATUS_LABELS
from amtsweg.demo import add_bulk_cases
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import postgres_app, tenant_info
from sqlalchemy import create_engine, select, text
from sqlalchemy.dialects import postgresql
from support.plans import plans_of

pytestmark = pytest.mark.postgres

CASES = 5_000
OTHER_TOWNS = ("schmitten", "neu-anspach", "graevenwiesbach", "glashuetten")


@pytest.fixture(scope="module")
def busy_town(postgres_server, tmp_path_factory):
    with postgres_app(postgres_server, Path(tmp_path_factory.mktemp("busy"))) as app:
        with app.app_context():
            # Most cases belong to other towns (each under 4,711, so "Person 4711" is Usingen's alone):
            # walking the primary key would pass four of theirs for each of Usingen's, whether or not
            # the visibility map lets the town's own index answer alone.
            for slug, count in (("usingen", CASES), *((town, 4_000) for town in OTHER_TOWNS)):
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
    plans = plans_of(app, tenant_info(app, "usingen"), lambda: db.session.execute(statement.limit(51)).all(),
                     "case_file")
    [plan] = plans.values()
    return plan


def test_the_policies_read_the_town_setting_once_per_statement(busy_town):
    plan = _plan(busy_town, select(Case).where(Case.status == "in_progress").order_by(Case.id.desc()))
    assert "InitPlan" in plan, plan
    with busy_town.app_context():
        policy = db.session.execute(text(
            "SELECT qual FROM pg_policies WHERE tablename = 'case_file' AND policyname = 'tenant_isolation'"
        )).scalar_one()
    # Stored as PostgreSQL prints it: the proven town read in a scalar subquery.
    assert "( SELECT amtsweg_current_tenant()" in policy


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


def _queue_plans(app, selected):
    """EXPLAIN ANALYZE of every statement the queue runs on the case table for ``selected``."""
    pages = []
    plans = plans_of(app, tenant_info(app, "usingen"), lambda: pages.append(queue_page(selected)), "case_file")
    return pages[0], plans


@pytest.mark.parametrize("selected", [
    QueueFilter(), QueueFilter(sort=DUE), QueueFilter(sort=OLDEST), QueueFilter(search="Person 4711"),
], ids=["newest", "due date", "oldest", "name search"])
def test_the_queue_reads_a_page_in_index_order_and_counts_in_bounded_ranges(busy_town, selected):
    page, plans = _queue_plans(busy_town, selected)
    assert page.cases
    [rows] = [plan for sql, plan in plans.items() if "count(" not in sql]
    [counts] = [plan for sql, plan in plans.items() if "count(" in sql]
    assert "Seq Scan on case_file" not in rows, rows
    # A search sorts its few matches; every other order reads an index in order.
    assert selected.search or "Sort" not in rows, rows
    # Each status is counted under a limit: a scan stops there, however many cases the town has.
    assert counts.count("->  Limit") == len(STATUS_LABELS), counts


def test_the_queue_counts_stop_at_the_limit(busy_town):
    page, _ = _queue_plans(busy_town, QueueFilter())
    assert sum(entry.count for entry in page.counts) <= COUNT_LIMIT * len(STATUS_LABELS)
    assert any(entry.more for entry in page.counts)


@pytest.mark.parametrize(("selected", "index"), [
    (QueueFilter(), "uq_case_file_tenant_id_id"), (QueueFilter(sort=OLDEST), "uq_case_file_tenant_id_id"),
    (QueueFilter(overdue=True), "ix_case_file_unfinished"),
], ids=["newest", "oldest", "overdue"])
def test_a_queue_page_takes_its_ids_from_an_index_of_the_town_not_from_the_primary_key(busy_town, selected, index):
    # As autovacuum keeps it in production: the visibility map lets an index answer alone. Right
    # after the bulk load one VACUUM leaves the map unset here; a second pass sets it.
    _as_owner(busy_town, "VACUUM case_file")
    _as_owner(busy_town, "VACUUM ANALYZE case_file")
    owner = create_engine(busy_town.config["MIGRATION_DATABASE_URL"])
    with owner.connect() as connection:
        pages, visible = connection.execute(text(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'case_file'")).one()
    owner.dispose()
    assert visible == pages, f"the visibility map covers {visible} of {pages} pages"
    page, plans = _queue_plans(busy_town, selected)
    assert page.cases
    [rows] = [plan for sql, plan in plans.items() if "count(" not in sql]
    # The ids come from the town's index alone; the primary key only fetches their rows (walked in
    # order, it would pass every newer case of the other towns).
    assert f"Index Only Scan Backward using {index}" in rows or f"Index Only Scan using {index}" in rows, rows
    assert "Backward using pk_case_file" not in rows and "Rows Removed by Filter" not in rows, rows
    assert "Sort" not in rows, rows


def test_the_history_of_a_case_opened_many_times_reads_only_the_entries_it_shows(busy_town):
    from amtsweg.audit.services import record
    from amtsweg.cases.history import case_history

    with busy_town.app_context(), tenant_context(tenant_info(busy_town, "usingen")):
        case_id = db.session.scalars(select(Case.id).order_by(Case.id).limit(1)).one()
        record("Sachbearbeitung", "case.note_added", "case", case_id)
        for number in range(2_000):
            record(f"Sachbearbeitung {number}", "case.viewed", "case", case_id)
        db.session.commit()
    _as_owner(busy_town, "ANALYZE audit_event")
    pages = []

    def history() -> None:
        pages.append(case_history(db.session.get(Case, case_id)))

    [plan] = plans_of(busy_town, tenant_info(busy_town, "usingen"), history, "audit_event").values()
    page = pages[0]
    assert page.entries
    assert "ix_audit_event_case_history" in plan, plan
    assert "pk_audit_event" not in plan, plan
    # Staff's 2,000 reads are not in the index, so none is read and dropped.
    assert "Rows Removed by Filter" not in plan, plan


def _as_owner(app, statement: str) -> None:
    """Maintenance the tables' owner may run (the app's role may not)."""
    owner = create_engine(app.config["MIGRATION_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(statement))
    owner.dispose()


def test_the_start_pages_most_used_services_are_counted_from_the_index_of_the_towns_recent_cases(busy_town):
    with busy_town.test_request_context():
        [plan] = plans_of(busy_town, tenant_info(busy_town, "usingen"), most_used_services, "case_file").values()
    assert "ix_case_file_tenant_submitted" in plan, plan
    assert "Seq Scan" not in plan and "ix_case_file_tenant_id " not in plan, plan
