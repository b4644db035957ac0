"""Every statistics page and download of a town shows that town's figures only; another town's host,
session or staff gets nothing of it, and the towns side by side exist only on the admin host."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from conftest import host_client, town_client
from openpyxl import load_workbook
from pypdf import PdfReader
from statistics_data import add_case
from support.logins import csrf_token_of, login_as

MARCH = date(2026, 3, 2)
PERIOD = "von=2026-03-01&bis=2026-03-31"
# Usingen received three applications in March, Schmitten five: each figure tells whose it is.
RECEIVED = {"usingen": 3, "schmitten": 5}
TOWN_PATHS = ["/verwaltung/statistik", "/verwaltung/statistik/bericht", "/verwaltung/statistik/bericht.pdf",
              "/verwaltung/statistik/ausblick", "/verwaltung/statistik/export/antraege-monat.csv",
              "/verwaltung/statistik/export/antraege-monat.xlsx"]
ADMIN_PATHS = ["/statistik", "/statistik/export/kommunen.csv", "/statistik/export/kommunen.xlsx"]


@pytest.fixture
def march(app):
    for town, count in RECEIVED.items():
        for number in range(1, count + 1):
            add_case(app, town, number, MARCH, channel="phone")


@pytest.fixture
def staff(app):
    clients = {}
    for town in RECEIVED:
        clients[town] = town_client(app, town)
        login_as(clients[town], "tenant_admin", username=f"admin-{town}")
    return clients


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.parametrize("town", list(RECEIVED))
def test_each_towns_page_report_and_downloads_count_only_its_own_applications(staff, march, town):
    client, count = staff[town], RECEIVED[town]
    other = next(name for name in RECEIVED if name != town)

    page = client.get(f"/verwaltung/statistik?{PERIOD}").get_data(as_text=True)
    assert f"{count} Anträge von März 2026 bis März 2026" in page
    assert f"{RECEIVED[other]} Anträge" not in page and f"{sum(RECEIVED.values())} Anträge" not in page

    header, march_row, *_ = _csv(client.get(f"/verwaltung/statistik/export/antraege-monat.csv?{PERIOD}").data)
    assert header[2] == "Telefon" and march_row[:3] == ["März 2026", "0", str(count)]
    sheet = load_workbook(io.BytesIO(
        client.get(f"/verwaltung/statistik/export/antraege-monat.xlsx?{PERIOD}").data)).worksheets[0]
    assert [cell.value for cell in sheet[2]][1:3] == [0, count]

    report = client.get(f"/verwaltung/statistik/bericht?{PERIOD}").get_data(as_text=True)
    assert f"Im Berichtszeitraum gingen {count} Anträge ein, 0 davon online (0 %)." in report
    pdf = _pdf_text(client.get(f"/verwaltung/statistik/bericht.pdf?{PERIOD}").data)
    assert f"Im Berichtszeitraum gingen {count} Anträge ein" in pdf
    assert other.capitalize() not in report and other.capitalize() not in pdf


def test_one_towns_outlook_is_never_shown_in_another_towns_report(staff):
    usingen, schmitten = staff["usingen"], staff["schmitten"]
    form = usingen.get(f"/verwaltung/statistik/ausblick?{PERIOD}").get_data(as_text=True)
    usingen.post(f"/verwaltung/statistik/ausblick?{PERIOD}",
                 data={"csrf_token": csrf_token_of(form), "ausblick": "Usingen digitalisiert die Kita-Anmeldung."})
    assert "Usingen digitalisiert" in usingen.get(f"/verwaltung/statistik/bericht?{PERIOD}").get_data(as_text=True)

    report = schmitten.get(f"/verwaltung/statistik/bericht?{PERIOD}").get_data(as_text=True)
    assert "Usingen digitalisiert" not in report
    assert "Für diesen Zeitraum wurde noch kein Ausblick geschrieben." in report
    assert "Usingen digitalisiert" not in schmitten.get(f"/verwaltung/statistik/ausblick?{PERIOD}").get_data(
        as_text=True)


def test_a_towns_session_replayed_on_another_towns_host_shows_no_statistics(app, staff, march):
    cookie = staff["usingen"].get_cookie("session", domain="usingen.localhost")
    intruder = town_client(app, "schmitten")
    intruder.set_cookie("session", cookie.value, domain="schmitten.localhost")
    for path in TOWN_PATHS:
        response = intruder.get(f"{path}?{PERIOD}")
        assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden"), path
        assert "Anträge" not in response.get_data(as_text=True), path


def test_the_towns_side_by_side_are_404_on_a_town_host_and_a_towns_pages_404_on_the_admin_host(app, staff):
    for path in ADMIN_PATHS:
        response = staff["usingen"].get(f"{path}?{PERIOD}")
        assert response.status_code == 404, path
        assert "Schmitten" not in response.get_data(as_text=True), path
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin")
    for path in TOWN_PATHS:
        assert admin.get(f"{path}?{PERIOD}").status_code == 404, path
