"""The statistics' figures from the facts the app writes as cases, drafts and offers change: cases per
month and channel, the channel mix against the period before, processing times (median and 90th
percentile as PostgreSQL's percentile_cont computes them), open cases by age, fees, services
offered and new, started and submitted online applications."""

from __future__ import annotations

import statistics as py_statistics
from datetime import date, timedelta

import pytest
from amtsweg.cases.drafts import delete_expired_drafts
from amtsweg.cases.models import Case, Draft
from amtsweg.clock import today_in_germany, utcnow
from amtsweg.demo import add_bulk_cases
from amtsweg.extensions import db
from amtsweg.processes.services import set_enabled
from amtsweg.reports.facts import CaseFigures, fact_values
from amtsweg.reports.models import ApplicationStart, CaseFact
from amtsweg.reports.services import record_missing_facts
from amtsweg.tenancy import tenant_context
from cases.applying import PERSON, fill_all_steps, send_step, start, submit
from conftest import recorded_statements, tenant_info, town_client
from sqlalchemy import func, select, update
from statistics_data import add_case, offer_everything_since, statistics

MARCH, APRIL = date(2026, 3, 2), date(2026, 4, 7)


def test_cases_are_counted_per_month_and_channel(app):
    for number, (day, channel) in enumerate([(MARCH, "online"), (MARCH, "online"), (MARCH, "phone"),
                                             (APRIL, "post"), (APRIL, "in_person"), (APRIL, "online")], start=1):
        add_case(app, "usingen", number, day, channel=channel)
    add_case(app, "schmitten", 1, MARCH)

    stats = statistics(app, "usingen", date(2026, 2, 1), date(2026, 4, 30))

    months = {(row.year, row.month): row for row in stats.months}
    assert list(months) == [(2026, 2), (2026, 3), (2026, 4)]
    assert months[(2026, 2)].total == 0
    assert months[(2026, 3)].by_channel == {"online": 2, "phone": 1, "post": 0, "in_person": 0}
    assert months[(2026, 4)].by_channel == {"online": 1, "phone": 0, "post": 1, "in_person": 1}
    assert months[(2026, 3)].online_share == 2 / 3
    [process] = stats.processes
    assert (process.slug, process.total, process.title["de"]) == ("hundesteuer-anmelden", 6,
                                                                  "Hund zur Hundesteuer anmelden")
    assert [(r.month, r.count) for r in stats.month_processes] == [(3, 3), (4, 3)]


def test_the_channel_mix_is_compared_with_the_period_of_the_same_length_before(app):
    add_case(app, "usingen", 1, date(2026, 2, 10), channel="phone")
    add_case(app, "usingen", 2, date(2026, 2, 11), channel="online")
    add_case(app, "usingen", 3, MARCH, channel="online")
    add_case(app, "usingen", 4, MARCH, channel="online")

    mix = statistics(app, "usingen", date(2026, 3, 1), date(2026, 3, 31)).channels

    assert (mix.previous_period.start, mix.previous_period.end) == (date(2026, 1, 29), date(2026, 2, 28))
    assert (mix.total, mix.previous_total) == (2, 2)
    assert mix.share("online") == 1.0 and mix.share("online", previous=True) == 0.5


def test_processing_times_are_the_median_and_90th_percentile_of_calendar_days(app):
    days = [1, 2, 3, 4, 10]
    for number, taken in enumerate(days, start=1):
        add_case(app, "usingen", number, MARCH, status="approved", decided=MARCH + timedelta(days=taken),
                 due=MARCH + timedelta(days=3))
    add_case(app, "usingen", 9, MARCH, status="withdrawn", decided=MARCH + timedelta(days=40))

    stats = statistics(app, "usingen", date(2026, 3, 1), date(2026, 4, 30))
    total, [row] = stats.times_total, stats.times

    # percentile_cont interpolates like Python's inclusive quantiles: 4 + 0.6 × (10 − 4).
    expected = py_statistics.quantiles(days, n=10, method="inclusive")
    assert (total.decided, total.median) == (5, 3.0)
    assert total.p90 == pytest.approx(7.6) == pytest.approx(expected[8])
    # Decided by the due date (three days after submission): three of five.
    assert total.within_target == 0.6
    assert (row.slug, row.decided, row.median, row.target_days) == ("hundesteuer-anmelden", 5, 3.0, 10)


def test_a_decision_counts_in_the_period_it_was_made_in(app):
    add_case(app, "usingen", 1, date(2026, 2, 20), status="rejected", decided=MARCH)

    assert statistics(app, "usingen", date(2026, 3, 1), date(2026, 3, 31)).times_total.decided == 1
    assert statistics(app, "usingen", date(2026, 2, 1), date(2026, 2, 28)).times_total.decided == 0


def test_open_cases_are_grouped_by_their_age(app):
    today = date(2026, 5, 1)
    for number, age in enumerate([0, 7, 8, 30, 31, 200], start=1):
        add_case(app, "usingen", number, today - timedelta(days=age))
    add_case(app, "usingen", 10, today - timedelta(days=3), status="approved", decided=today)

    ages = statistics(app, "usingen", date(2026, 1, 1), today, today=today).ages

    assert [(row.low, row.high, row.count) for row in ages] == [(0, 7, 2), (8, 30, 2), (31, 90, 1), (91, None, 1)]


def test_fees_are_those_of_online_applications_until_payments_report_them(app):
    add_case(app, "usingen", 1, MARCH, fee_cents=2500)
    add_case(app, "usingen", 2, MARCH, fee_cents=1000)
    add_case(app, "usingen", 3, MARCH, fee_cents=9900, channel="post")
    add_case(app, "usingen", 4, MARCH, fee_cents=700, status="withdrawn", decided=MARCH)

    stats = statistics(app, "usingen", date(2026, 3, 1), date(2026, 3, 31))

    assert [(m.month, m.count, m.cents) for m in stats.fee_months] == [(3, 2, 3500)]
    assert "Festgesetzte Gebühren der online gestellten Anträge" in stats.fee_basis


def test_services_offered_on_the_last_day_by_area_and_the_new_ones(app):
    today = today_in_germany()
    offer_everything_since(app, "usingen", date(2020, 1, 1))
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        set_enabled("gewerbe-anmelden", False, actor="admin")
        set_enabled("gruenschnitt-abholung", True, actor="admin")

    until_yesterday = statistics(app, "usingen", today - timedelta(days=30), today - timedelta(days=1))
    until_today = statistics(app, "usingen", today - timedelta(days=30), today)

    before = {row.area: row for row in until_yesterday.areas}
    now = {row.area: row for row in until_today.areas}
    assert now["buergerservice"].digital == before["buergerservice"].digital + 1  # Grünschnitt-Abholung
    assert now["sicherheit-ordnung"].digital == before["sicherheit-ordnung"].digital - 1  # Gewerbe anmelden
    assert now["buergerservice"].external == before["buergerservice"].external
    assert until_yesterday.new == []
    [new] = until_today.new
    assert (new.slug, new.kind, new.since, new.title["de"]) == (
        "gruenschnitt-abholung", "digital", today, "Grünschnitt-Abholung bestellen")
    rated = {rating.slug for rating in until_today.ratings}
    assert "gruenschnitt-abholung" in rated and "gewerbe-anmelden" not in rated


def test_a_citizens_online_application_is_counted_as_started_and_submitted(app):
    fill_all_steps(town_client(app, "neu-anspach"))
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    assert submit(client).status_code == 302
    abandoned = town_client(app, "neu-anspach")
    start(abandoned)
    assert send_step(abandoned, 1, PERSON).status_code == 302

    today = today_in_germany()
    stats = statistics(app, "neu-anspach", today - timedelta(days=1), today)

    [funnel] = stats.funnel
    assert (funnel.slug, funnel.started, funnel.submitted) == ("hundesteuer-anmelden", 3, 1)
    drops = {(row.completed_steps, row.step_title.get("de")): row.count for row in stats.drops}
    assert drops == {(1, "Angaben zu den Hunden"): 1, (3, None): 1}


def test_an_expired_draft_still_counts_as_started_and_not_submitted(app):
    client = town_client(app, "neu-anspach")
    start(client)
    assert send_step(client, 1, PERSON).status_code == 302
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        db.session.execute(update(Draft).values(expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
        assert delete_expired_drafts() == 1
        start_row = db.session.scalars(select(ApplicationStart)).one()
    assert (start_row.draft_id, start_row.furthest_step, start_row.submitted_on) == (None, 1, None)
    today = today_in_germany()
    [funnel] = statistics(app, "neu-anspach", today, today).funnel
    assert (funnel.started, funnel.submitted) == (1, 0)


def test_a_decision_through_the_clerks_workflow_is_counted(app):
    from support.logins import csrf_token_of, login_as

    today = today_in_germany()
    reference = add_case(app, "usingen", 1, today - timedelta(days=2), due=today + timedelta(days=5))
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-usingen")
    for transition in ("start", "approve"):
        page = clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
        response = clerk.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                              data={"csrf_token": csrf_token_of(page), "nachricht": "Genehmigt."})
        assert response.status_code == 303

    total = statistics(app, "usingen", today - timedelta(days=7), today).times_total

    assert (total.decided, total.median, total.within_target) == (1, 2.0, 1.0)


def test_cases_loaded_in_bulk_get_their_facts(app):
    with app.app_context(), tenant_context(tenant_info(app, "glashuetten")):
        add_bulk_cases(300)
        facts = db.session.scalar(select(func.count()).select_from(CaseFact))
        finished = db.session.scalar(
            select(func.count()).select_from(CaseFact).where(CaseFact.finished_on.is_not(None)))
    assert facts == 300
    # Sixteen of every twenty bulk cases are closed and one is approved (demo.BULK_STATUSES).
    assert finished == 255


FACT_COLUMNS = ("process_slug", "channel", "submitted_on", "due_on", "fee_cents", "finished_on", "outcome",
                "processing_days", "within_target")


@pytest.mark.parametrize("count", [40, 400])
def test_bulk_facts_are_written_in_a_fixed_number_of_statements_with_the_values_of_one_case(app, count):
    with app.app_context(), tenant_context(tenant_info(app, "glashuetten")):
        add_bulk_cases(count)
        # Written again by the database alone, from no facts: the rows the ORM path would write.
        db.session.execute(CaseFact.__table__.delete())
        db.session.commit()
        with recorded_statements(app) as statements:
            written = record_missing_facts()
        stored = {row.case_id: tuple(getattr(row, name) for name in FACT_COLUMNS)
                  for row in db.session.scalars(select(CaseFact))}
        expected = {}
        for item in db.session.scalars(select(Case)):
            values = fact_values(CaseFigures(item.process_slug, item.channel, item.status, item.submitted_at,
                                             item.due_date, item.fee_cents), item.closed_at or item.updated_at, None)
            expected[item.id] = tuple(values[name] for name in FACT_COLUMNS)
        other_towns = db.session.scalar(select(func.count()).select_from(CaseFact)
                                        .where(CaseFact.tenant_id != tenant_info(app, "glashuetten").id))
    assert written == count
    assert stored == expected
    assert other_towns == 0
    assert len([statement for statement in statements if statement.lstrip().upper().startswith("INSERT")]) == 1
    assert len(statements) <= 3, statements
