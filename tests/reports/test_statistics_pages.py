"""/verwaltung/statistik for a town's administrators and team leads: figures per period, the period
filter with its messages, CSV and XLSX downloads of every table, the outlook of the council report,
English pages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from amtsweg.clock import today_in_germany
from amtsweg.extensions import db
from amtsweg.reports.models import ReportOutlook
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client
from openpyxl import load_workbook
from sqlalchemy import select
from statistics_data import add_case
from support.logins import csrf_token_of, login_as

MARCH = date(2026, 3, 2)
PERIOD = "von=2026-03-01&bis=2026-03-31"
TABLES = ["leistungen-bereiche", "neue-leistungen", "antraege-monat", "zugangswege", "antraege-leistung",
          "antraege-monat-leistung", "online-antraege", "abbrueche", "bearbeitungszeiten", "offene-vorgaenge",
          "gebuehren", "reifegrad", "reifegrad-leistungen"]


@pytest.fixture
def admin(app):
    client = town_client(app, "usingen")
    login_as(client, "tenant_admin", username="admin-usingen")
    return client


@pytest.fixture
def march(app):
    add_case(app, "usingen", 1, MARCH, channel="online", fee_cents=1500, status="approved",
             decided=MARCH + timedelta(days=4), due=MARCH + timedelta(days=10))
    add_case(app, "usingen", 2, MARCH, channel="phone", status="approved", decided=MARCH + timedelta(days=12),
             due=MARCH + timedelta(days=10))
    add_case(app, "usingen", 3, MARCH, channel="post")


def page_of(client, query: str = PERIOD):
    response = client.get(f"/verwaltung/statistik?{query}")
    return response.status_code, response.get_data(as_text=True)


def test_the_page_shows_the_towns_figures_of_the_period(admin, march):
    status, html = page_of(admin)
    assert status == 200
    assert "Statistik zum Onlinezugang" in html and "01.03.2026 – 31.03.2026" in html
    assert 'role="img"' in html and "<title id=\"chart-antraege-monat-t\">" in html
    # Three applications in March, one of them online: 33,3 %.
    assert "März 2026" in html and "33,3 %" in html
    # Median of 4 and 12 days; one of two decided by its due date.
    assert "Bearbeitungszeiten der im Zeitraum entschiedenen Anträge" in html and "50 %" in html
    assert "Hund zur Hundesteuer anmelden" in html
    for table in TABLES:
        assert f"/verwaltung/statistik/export/{table}.csv?" in html, table
        assert f"/verwaltung/statistik/export/{table}.xlsx?" in html, table


def test_a_team_lead_sees_the_statistics_and_a_clerk_does_not(app, client_for):
    lead = client_for("usingen")
    login_as(lead, "team_lead")
    assert lead.get("/verwaltung/statistik").status_code == 200
    clerk = client_for("usingen")
    login_as(clerk, "clerk")
    for path in ("/verwaltung/statistik", "/verwaltung/statistik/bericht", "/verwaltung/statistik/bericht.pdf",
                 "/verwaltung/statistik/ausblick", "/verwaltung/statistik/export/gebuehren.csv"):
        assert clerk.get(path).status_code == 403, path
    anonymous = client_for("usingen").get("/verwaltung/statistik")
    assert anonymous.status_code == 302 and "/anmelden" in anonymous.headers["Location"]


def test_without_a_period_the_last_twelve_months_are_shown(admin):
    today = today_in_germany()
    status, html = page_of(admin, "")
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert status == 200
    assert f'value="{today.isoformat()}"' in html
    assert first.year <= today.year


def test_a_period_without_applications_says_so(admin):
    status, html = page_of(admin, "von=2001-01-01&bis=2001-12-31")
    assert status == 200
    assert "Im gewählten Zeitraum sind keine Anträge eingegangen." in html
    assert "Im gewählten Zeitraum wurde kein Antrag entschieden." in html


@pytest.mark.parametrize(("query", "message"), [
    ("von=2026-02-31&bis=2026-03-31", "„2026-02-31“ ist kein gültiges Datum. Bitte geben Sie es als TT.MM.JJJJ an."),
    ("von=31.02.2026&bis=31.03.2026", "„31.02.2026“ ist kein gültiges Datum"),
    ("von=gestern&bis=heute", "„gestern“ ist kein gültiges Datum"),
    ("von=99999999999999-01-01&bis=2026-03-31", "ist kein gültiges Datum"),
    ("von=2026-04-01&bis=2026-03-01", "Das Ende des Zeitraums liegt vor seinem Beginn."),
    ("von=2001-01-01&bis=2026-12-31", "Der Zeitraum ist zu lang: Statistiken zeigen höchstens 5 Jahre auf einmal."),
    ("von=1999-12-31&bis=2000-12-31", "Statistiken gibt es ab dem 01.01.2000."),
    ("von=2026-01-01&bis=2099-12-31", "Der Zeitraum darf höchstens ein Jahr in die Zukunft reichen."),
    ("von=2026-01-01&bis=", "Bitte geben Sie an, an welchem Tag der Zeitraum endet."),
    ("von=2026-01-01&bis=2026-02-01&leistung=gibt-es-nicht",
     "Die Leistung „gibt-es-nicht“ gibt es in der Bibliothek nicht. Bitte wählen Sie eine aus der Liste."),
])
def test_an_impossible_period_or_unknown_process_gets_a_clear_message(admin, query, message):
    status, html = page_of(admin, query)
    assert status == 400
    assert message in html
    assert "Bitte prüfen Sie Ihre Auswahl" in html and 'href="#feld-' in html
    assert "Online angebotene Leistungen nach Bereich" not in html


@pytest.mark.parametrize("path", ["/verwaltung/statistik/bericht", "/verwaltung/statistik/bericht.pdf",
                                  "/verwaltung/statistik/ausblick", "/verwaltung/statistik/export/gebuehren.csv"])
def test_the_report_downloads_and_outlook_refuse_an_impossible_period_with_a_message(admin, path):
    response = admin.get(f"{path}?von=2026-04-01&bis=2026-03-01")
    assert response.status_code == 400
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in response.get_data(as_text=True)


def test_hostile_values_in_the_filter_never_cause_an_error(admin):
    for query in ("von=%00&bis=%00", "von=" + "9" * 5000, "leistung=%00", "leistung=" + "x" * 500,
                  "von=2026-01-01&bis=2026-01-01&leistung=../../etc", "von[]=1", "von=２０２６-01-01&bis=2026-02-01"):
        status, _ = page_of(admin, query)
        assert status in (200, 400), query


def test_one_process_can_be_looked_at_alone(app, admin, march):
    add_case(app, "usingen", 4, MARCH, process="fundsache-verlust-melden")
    assert "4 Anträge von März 2026 bis März 2026" in page_of(admin)[1]

    status, html = page_of(admin, PERIOD + "&leistung=hundesteuer-anmelden")

    assert status == 200
    assert "Leistung: Hund zur Hundesteuer anmelden" in html
    assert '<option value="hundesteuer-anmelden" selected>' in html
    assert "3 Anträge von März 2026 bis März 2026" in html


def _csv(response) -> list[list[str]]:
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_every_table_downloads_as_csv_and_xlsx(admin, march):
    for table in TABLES:
        response = admin.get(f"/verwaltung/statistik/export/{table}.csv?{PERIOD}")
        assert response.status_code == 200, table
        assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
        assert f"{table}-usingen-2026-03-01-2026-03-31.csv" in response.headers["Content-Disposition"]
        workbook = load_workbook(io.BytesIO(admin.get(f"/verwaltung/statistik/export/{table}.xlsx?{PERIOD}").data))
        assert workbook.worksheets[0].title == table[:31]

    rows = _csv(admin.get(f"/verwaltung/statistik/export/antraege-monat.csv?{PERIOD}"))
    assert rows[0] == ["Monat", "Online", "Telefon", "Post", "Persönlich vor Ort", "Zusammen", "Anteil online"]
    assert rows[1] == ["März 2026", "1", "1", "1", "0", "3", "33,3 %"]
    sheet = load_workbook(io.BytesIO(admin.get(f"/verwaltung/statistik/export/antraege-monat.xlsx?{PERIOD}").data))
    cells = [cell.value for cell in sheet.worksheets[0][2]]
    assert cells[1:6] == [1, 1, 1, 0, 3] and cells[6] == pytest.approx(1 / 3)
    assert sheet.worksheets[0]["G2"].number_format == "0.0%"
    fees = load_workbook(io.BytesIO(admin.get(f"/verwaltung/statistik/export/gebuehren.xlsx?{PERIOD}").data))
    assert [cell.value for cell in fees.worksheets[0][2]][1:] == [1, 15]


def test_an_unknown_table_is_404(admin):
    assert admin.get(f"/verwaltung/statistik/export/gibt-es-nicht.csv?{PERIOD}").status_code == 404
    assert admin.get(f"/verwaltung/statistik/export/gebuehren.pdf?{PERIOD}").status_code == 404


def test_the_outlook_is_kept_per_period_and_shown_in_the_report(app, admin):
    form = admin.get(f"/verwaltung/statistik/ausblick?{PERIOD}").get_data(as_text=True)
    response = admin.post(f"/verwaltung/statistik/ausblick?{PERIOD}", data={
        "csrf_token": csrf_token_of(form),
        "ausblick": "2027 folgen der Bauantrag und die Kita-Anmeldung.\r\n\r\nDie E-Akte kommt im Frühjahr.",
    })
    assert response.status_code == 302 and "/verwaltung/statistik/bericht?" in response.headers["Location"]
    report = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Ausblick wurde gespeichert." in report
    assert "2027 folgen der Bauantrag und die Kita-Anmeldung." in report and "Die E-Akte kommt im Frühjahr." in report
    other = admin.get("/verwaltung/statistik/bericht?von=2026-04-01&bis=2026-04-30").get_data(as_text=True)
    assert "Für diesen Zeitraum wurde noch kein Ausblick geschrieben." in other
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        [stored] = db.session.scalars(select(ReportOutlook)).all()
    assert (stored.period_start, stored.period_end, stored.updated_by) == (date(2026, 3, 1), date(2026, 3, 31),
                                                                           "admin-usingen")
    again = admin.get(f"/verwaltung/statistik/ausblick?{PERIOD}").get_data(as_text=True)
    assert "Die E-Akte kommt im Frühjahr." in again and "Zuletzt gespeichert am" in again


def test_a_too_long_outlook_is_refused_and_nothing_is_stored(app, admin):
    form = admin.get(f"/verwaltung/statistik/ausblick?{PERIOD}").get_data(as_text=True)
    response = admin.post(f"/verwaltung/statistik/ausblick?{PERIOD}",
                          data={"csrf_token": csrf_token_of(form), "ausblick": "x" * 20_001})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Der Ausblick ist zu lang: höchstens 20.000 Zeichen, Ihr Text hat 20.001." in html
    assert 'aria-invalid="true"' in html
    missing_token = admin.post(f"/verwaltung/statistik/ausblick?{PERIOD}", data={"ausblick": "ohne Token"})
    assert missing_token.status_code == 400
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalars(select(ReportOutlook)).all() == []


def test_the_pages_are_in_english_after_switching_the_language(admin, march):
    admin.get("/sprache/en")
    status, html = page_of(admin)
    assert status == 200
    assert '<html lang="en">' in html
    assert "Statistics on online access" in html and "Applications received per month and channel" in html
    assert "March 2026" in html and "33.3%" in html and "Phone" in html
    # The period's start is "From", not the author's "By" that "Von" means in other tables.
    assert '<label class="kern-label" for="feld-von">From</label>' in html
    _, errors = page_of(admin, "von=2026-04-01&bis=2026-03-01")
    assert "The end of the period is before its start." in errors
    report = admin.get(f"/verwaltung/statistik/bericht?{PERIOD}").get_data(as_text=True)
    assert "Report on the implementation of the Online Access Act" in report and "Introduction" in report
    rows = _csv(admin.get(f"/verwaltung/statistik/export/antraege-monat.csv?{PERIOD}"))
    assert rows[0][0] == "Month" and rows[1][0] == "March 2026"


def test_the_navigation_links_the_statistics_for_administrators_and_team_leads(admin, client_for):
    assert 'href="/verwaltung/statistik"' in admin.get("/").get_data(as_text=True)
    clerk = client_for("usingen")
    login_as(clerk, "clerk")
    assert 'href="/verwaltung/statistik"' not in clerk.get("/").get_data(as_text=True)
