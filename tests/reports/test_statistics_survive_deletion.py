"""The retention run deletes cases with everything about them; the statistics of past periods stay
exactly as they were, because they count anonymous facts that the deletion leaves."""

from __future__ import annotations

from datetime import date, timedelta

from amtsweg.archive import services as retention
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.reports.models import CaseFact
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client
from sqlalchemy import func, select
from statistics_data import add_case, statistics
from support.logins import login_as

# fuehrungszeugnis: retention one year after closing, then deleted; fischereischein: ten years.
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


def _figures(app) -> tuple:
    stats = statistics(app, "schmitten", *YEAR, today=date(2026, 11, 25))
    return (
        [(row.year, row.month, row.by_channel) for row in stats.months],
        [(row.slug, row.by_channel) for row in stats.processes],
        stats.channels.rows,
        (stats.times_total.decided, stats.times_total.median, stats.times_total.p90, stats.times_total.within_target),
        [(row.slug, row.decided, row.median) for row in stats.times],
        stats.fee_months,
    )


def test_deleting_cases_through_the_retention_run_leaves_past_figures_unchanged(app):
    numbers = iter(range(1, 100))
    for month, channel, days in ((2, "online", 3), (2, "phone", 9), (5, "online", 1), (5, "post", 20),
                                 (9, "online", 6)):
        submitted = date(2024, month, 5)
        add_case(app, "schmitten", next(numbers), submitted, process="fuehrungszeugnis", channel=channel,
                 fee_cents=1300, status="closed", decided=submitted + timedelta(days=days),
                 due=submitted + timedelta(days=5))
    add_case(app, "schmitten", next(numbers), date(2024, 6, 3), process="fischereischein", status="closed",
             decided=date(2024, 6, 10))
    before = _figures(app)
    assert before[3][0] == 6

    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        report = retention.run_retention(date(2026, 11, 25))
        remaining = db.session.scalars(select(Case.process_slug)).all()
        facts = db.session.scalars(select(CaseFact)).all()
    assert len(report.done) == 6 and not report.failed
    assert remaining == ["fischereischein"]

    assert _figures(app) == before
    # What is left of a deleted case is its anonymous row, no longer linked to anything.
    unlinked = [fact for fact in facts if fact.case_id is None]
    assert len(unlinked) == 5 and {fact.process_slug for fact in unlinked} == {"fuehrungszeugnis"}


def test_the_statistics_page_shows_the_same_after_the_deletion(app):
    for number in range(1, 4):
        add_case(app, "schmitten", number, date(2024, 3, number), process="fuehrungszeugnis", status="closed",
                 decided=date(2024, 3, 10))
    admin = town_client(app, "schmitten")
    login_as(admin, "tenant_admin")
    path = "/verwaltung/statistik/export/antraege-monat.csv?von=2024-01-01&bis=2024-12-31"
    before = admin.get(path).data

    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        retention.run_retention(date(2026, 11, 25))
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0

    assert admin.get(path).data == before
    assert "März 2024;3;0;0;0;3;100 %" in before.decode("utf-8-sig")
