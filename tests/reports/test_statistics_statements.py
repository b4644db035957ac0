"""The statistics pages, the report and the downloads cost a fixed number of SQL statements: many
cases, processes and offered services make the aggregates work harder, never the page ask more
often (the benchmark times them)."""

from __future__ import annotations

from datetime import date

import pytest
from amtsweg.demo import add_bulk_cases
from amtsweg.extensions import db
from amtsweg.processes.models import Process
from amtsweg.reports.models import ApplicationStart, CaseFact, ServiceOffer, new_key
from amtsweg.tenancy import tenant_context
from conftest import host_client, recorded_statements, tenant_info, town_client
from sqlalchemy import case, delete, insert, select, update
from statistics_data import add_case
from support.logins import login_as

PERIOD = "von=2022-01-01&bis=2022-12-31"
TOWN_PAGES = [f"/verwaltung/statistik?{PERIOD}", f"/verwaltung/statistik?{PERIOD}&leistung=hundesteuer-anmelden",
              f"/verwaltung/statistik/bericht?{PERIOD}", f"/verwaltung/statistik/bericht.pdf?{PERIOD}",
              f"/verwaltung/statistik/export/bearbeitungszeiten.csv?{PERIOD}",
              f"/verwaltung/statistik/export/antraege-monat-leistung.xlsx?{PERIOD}"]
ADMIN_PAGES = [f"/statistik?{PERIOD}", f"/statistik/export/kommunen.csv?{PERIOD}"]
# Cases of the bulk loader: one an hour from 3 January 2022, 8,702 of them in the year 2022.
MANY = 12_000
# At most this many statements per page, however many cases, processes and services: the user, the
# process choices and the selected process, then the aggregates (offers, cases, starts, decisions,
# new services, channels, open cases, fees) and the titles, definitions and processing targets they
# name (the report adds its outlook and imported history; this test allowed 30 before).
BOUND = 15
# The town registry asks whether towns changed at most every few seconds, whatever the page; a slow
# machine can cross that interval between two requests, so its question is not the page's.
REGISTRY_CHECK = "max(tenant.updated_at)"


def _statements(app, client, path: str) -> int:
    client.get(path)  # definitions parsed and cached by this process first
    with recorded_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len([statement for statement in statements if REGISTRY_CHECK not in statement])


@pytest.fixture
def clients(app):
    town = town_client(app, "usingen")
    login_as(town, "tenant_admin")
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin")
    return town, admin


def _offer_only(app, slugs: set[str] | None) -> None:
    """Usingen offers these services of the library (None: every one) since 2022 and nothing else."""
    with app.app_context(), tenant_context(tenant_info(app, "usingen")) as town:
        processes = db.session.execute(select(Process.id, Process.slug)).all()
        db.session.execute(delete(ServiceOffer))
        db.session.execute(insert(ServiceOffer), [
            {"tenant_id": town.id, "key": new_key(), "process_id": process_id, "offered_from": date(2022, 1, 1)}
            for process_id, slug in processes if slugs is None or slug in slugs])
        db.session.commit()


def _spread_over_the_library(app) -> None:
    """Usingen's cases are spread over every digital process, and citizens started applications of
    each of them and stopped at every step."""
    with app.app_context(), tenant_context(tenant_info(app, "usingen")) as town:
        digital = db.session.scalars(select(Process.slug).where(Process.kind == "digital").order_by(Process.slug)).all()
        db.session.execute(update(CaseFact).values(process_slug=case(
            *((CaseFact.case_id % len(digital) == index, slug) for index, slug in enumerate(digital)))))
        db.session.execute(insert(ApplicationStart), [
            {"tenant_id": town.id, "key": new_key(), "process_slug": slug, "started_on": date(2022, 5, 2),
             "furthest_step": step, "submitted_on": date(2022, 5, 2) if step == 3 else None,
             "channel": "online" if step == 3 else None}
            for slug in digital for step in range(4)])
        db.session.commit()
    assert len(digital) > 50


def test_the_statistics_need_no_more_statements_with_thousands_of_cases_of_every_process(app, clients):
    town, admin = clients
    for number, channel in enumerate(("online", "phone"), start=1):
        add_case(app, "usingen", number, date(2022, 3, 1), process="hundesteuer-anmelden", channel=channel,
                 status="approved", decided=date(2022, 3, 8), due=date(2022, 3, 15))
    _offer_only(app, {"hundesteuer-anmelden"})
    few = {path: _statements(app, town, path) for path in TOWN_PAGES}
    few |= {path: _statements(app, admin, path) for path in ADMIN_PAGES}

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        add_bulk_cases(MANY)
    _offer_only(app, None)
    _spread_over_the_library(app)

    many = {path: _statements(app, town, path) for path in TOWN_PAGES}
    many |= {path: _statements(app, admin, path) for path in ADMIN_PAGES}
    assert many == few
    assert max(many.values()) <= BOUND, many
    html = town.get(f"/verwaltung/statistik?{PERIOD}").get_data(as_text=True)
    assert "8.704 Anträge von Januar 2022 bis Dezember 2022" in html
    # Every process of the library now has applications, and the drop-off names their steps.
    assert html.count('<th scope="row">') > 150
