"""On PostgreSQL as the app's role (row-level security): the statistics find a town's facts of a
period through the indexes by day (migration 0027) and its open cases through their partial index,
never by reading the whole table. (Whether the planner answers from an index alone depends on how
the rows lie: with 200,000 facts per town it does; see docs/scaling.md.)"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.reports import queries
from amtsweg.reports.models import CaseFact, new_key
from amtsweg.reports.periods import Period
from amtsweg.tenancy import tenant_context
from conftest import postgres_app, tenant_info
from sqlalchemy import create_engine, insert, text
from support.plans import plans_of

pytestmark = pytest.mark.postgres

# Facts per town over five years: the statistics of one year read a fifth of them.
FACTS = 20_000
LAST_DAY = date(2026, 6, 30)
YEAR = Period(date(2025, 7, 1), LAST_DAY)


def _facts(town_id: int) -> list[dict]:
    rows = []
    for n in range(FACTS):
        submitted = LAST_DAY - timedelta(days=n * 1826 // FACTS)
        decided = n % 10 < 8
        rows.append({
            "tenant_id": town_id, "key": new_key(), "case_id": None, "process_slug": f"leistung-{n % 40}",
            "channel": ("online", "online", "phone", "post", "in_person")[n % 5], "submitted_on": submitted,
            "due_on": submitted + timedelta(days=30),
            "finished_on": submitted + timedelta(days=n % 60) if decided else None,
            "outcome": "approved" if decided else None, "processing_days": n % 60 if decided else None,
            "within_target": n % 60 <= 30 if decided else None, "fee_cents": 1500 if n % 3 == 0 else 0,
        })
    return rows


@pytest.fixture(scope="module")
def busy_towns(postgres_server, tmp_path_factory):
    with postgres_app(postgres_server, Path(tmp_path_factory.mktemp("facts"))) as app:
        with app.app_context():
            for slug in ("usingen", "schmitten"):
                with tenant_context(tenant_info(app, slug)) as town:
                    db.session.execute(insert(CaseFact), _facts(town.id))
                    db.session.commit()
        # VACUUM (the visibility map lets an index answer alone, as autovacuum keeps it) needs the owner.
        owner = create_engine(app.config["MIGRATION_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.execute(text("VACUUM ANALYZE case_fact"))
        owner.dispose()
        yield app


def _plans_of_the_statistics(app) -> list[str]:
    """EXPLAIN ANALYZE of every statement of Usingen's statistics that reads its facts."""
    def statistics() -> None:
        stats = queries.town_statistics(queries.Selection(YEAR), LAST_DAY)
        assert stats.has_cases and stats.times_total.decided

    return list(plans_of(app, tenant_info(app, "usingen"), statistics, "case_fact").values())


def test_the_statistics_find_the_facts_of_a_year_and_the_open_cases_through_their_indexes(busy_towns):
    plans = _plans_of_the_statistics(busy_towns)
    assert plans
    assert not [plan for plan in plans if "Seq Scan on case_fact" in plan], plans
    joined = "\n".join(plans)
    # Received, decided and still open: each found through its index.
    for index in ("ix_case_fact_tenant_submitted", "ix_case_fact_tenant_finished", "ix_case_fact_tenant_open"):
        assert f" on {index}" in joined or f" using {index}" in joined, joined
