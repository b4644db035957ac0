"""The council report "Bericht zur Umsetzung des Onlinezugangsgesetzes": from live data, structured
like a Vorlage, as a printable page and as a tagged PDF in the town's branding."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from amtsweg.clock import today_in_germany
from conftest import town_client
from pypdf import PdfReader
from statistics_data import add_case
from support.logins import login_as

# What Neu-Anspach tells its council today: its own digital processes by area (the seed).
NEU_ANSPACH_DIGITAL = {"Bürgerservice": 26, "Sicherheit & Ordnung": 19, "Familie, Sport & Kultur": 9,
                       "Steuern & Gebühren": 9, "Standesamt": 4}
SECTIONS = ["Beschlussvorschlag", "1. Einleitung", "2. Online angebotene Leistungen",
            "3. Neue Leistungen im Berichtszeitraum", "4. Nutzung und Verlagerung der Zugangswege",
            "5. Bearbeitungszeiten", "6. Reifegrad der Online-Leistungen", "7. Ausblick",
            "Anlage: Reifegrad je Leistung"]


@pytest.fixture
def neu_anspach(app):
    client = town_client(app, "neu-anspach")
    login_as(client, "tenant_admin", username="admin-na")
    return client


def _period() -> str:
    today = today_in_germany()
    return f"von={today.replace(month=1, day=1).isoformat()}&bis={today.isoformat()}"


def _digital_by_area(html: str) -> dict[str, int]:
    table = html.split('id="tabelle-leistungen-bereiche"')[1].split("</tbody>")[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="stat-num">(\d+)</td>', table)
    return {area.replace("&amp;", "&"): int(count) for area, count in rows}


def test_neu_anspach_with_the_whole_library_reports_its_digital_services_by_area(neu_anspach):
    html = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)

    digital = _digital_by_area(html)
    assert {area: digital[area] for area in NEU_ANSPACH_DIGITAL} == NEU_ANSPACH_DIGITAL
    # Every other area has no digital process of its own, only links to the state's services.
    assert sum(digital.values()) == sum(NEU_ANSPACH_DIGITAL.values()) == 67


def test_the_pdf_carries_the_same_figures_as_text(neu_anspach):
    response = neu_anspach.get(f"/verwaltung/statistik/bericht.pdf?{_period()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "OZG-Bericht-neu-anspach-" in response.headers["Content-Disposition"]

    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    table = text.split("Online angebotene Leistungen nach Bereich Bereich")[1].split("Zusammen 67 21 88")[0]
    for area, count in NEU_ANSPACH_DIGITAL.items():
        assert f"{area} {count} " in table, area
    assert "Bericht zur Umsetzung des Onlinezugangsgesetzes" in text
    assert "Stadtverordnetenversammlung" in text and "Magistrat der Stadt Neu-Anspach" in text
    for section in SECTIONS:
        assert section in text, section


def test_the_pdf_is_tagged_for_screen_readers(neu_anspach):
    reader = PdfReader(io.BytesIO(neu_anspach.get(f"/verwaltung/statistik/bericht.pdf?{_period()}").data))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "de"
    assert reader.metadata.title.startswith("Bericht zur Umsetzung des Onlinezugangsgesetzes – Stadt Neu-Anspach")
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()


def test_the_report_is_built_from_live_data_like_a_vorlage(app, neu_anspach):
    today = today_in_germany()
    start = today.replace(month=1, day=1)
    add_case(app, "neu-anspach", 1, start, channel="online", status="approved", decided=start + timedelta(days=2),
             due=start + timedelta(days=10))
    add_case(app, "neu-anspach", 2, start, channel="phone")

    html = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)

    positions = [html.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "Die Stadtverordnetenversammlung nimmt den Bericht" in html
    assert "Im Berichtszeitraum gingen 2 Anträge ein, 1 davon online (50 %)." in html
    assert "Im Berichtszeitraum wurde 1 Antrag entschieden." in html
    assert "waren bei der Stadt Neu-Anspach 88 Leistungen online verfügbar: 67 als eigene digitale Verfahren" in html
    assert "Dieser Bericht zeigt den Stand bei der Stadt Neu-Anspach im Berichtszeitraum" in html
    assert 'alt="Logo: Stadt Neu-Anspach"' in html and 'src="data:image/svg+xml;base64,' in html
    assert "Für diesen Zeitraum wurde noch kein Ausblick geschrieben." in html


def test_a_municipality_reports_to_its_gemeindevertretung(app):
    client = town_client(app, "glashuetten")
    login_as(client, "team_lead")
    html = client.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)
    assert "Gemeindevertretung" in html and "Stadtverordnetenversammlung" not in html
    assert "Gemeinde Glashütten" in html


def test_a_period_without_data_still_gives_a_report_that_says_so(neu_anspach):
    html = neu_anspach.get("/verwaltung/statistik/bericht?von=2001-01-01&bis=2001-12-31").get_data(as_text=True)
    assert "Im Berichtszeitraum sind keine Anträge eingegangen." in html
    assert "Am letzten Tag des Zeitraums wurden keine Leistungen online angeboten." in html


def test_a_single_application_is_reported_in_the_singular_in_german_and_english(app, neu_anspach):
    start = today_in_germany().replace(month=1, day=1)
    add_case(app, "neu-anspach", 1, start, channel="online")

    german = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)
    assert "Im Berichtszeitraum ging 1 Antrag ein, 1 davon online (100 %)." in german
    assert "1 Antrag von Januar" in german and "1 Anträge" not in german

    neu_anspach.get("/sprache/en")
    english = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)
    assert "In the reporting period, 1 application was received, 1 of them online (100%)." in english
    assert "1 application from January" in english and "1 applications" not in english
    assert ", Stadt Neu-Anspach offered 88 services online: 67 as its own digital processes" in english
    assert "how far Stadt Neu-Anspach got in the reporting period" in english


def test_a_day_is_a_day_in_the_pdf_and_on_the_page_in_german_and_english(app, neu_anspach):
    start = today_in_germany().replace(month=1, day=1)
    add_case(app, "neu-anspach", 1, start, channel="online", status="approved", decided=start + timedelta(days=1),
             due=start + timedelta(days=10))

    pdf = neu_anspach.get(f"/verwaltung/statistik/bericht.pdf?{_period()}")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    # pypdf splits the kerned "Ta" of the PDF's font into "T ag".
    day, days = r"1 T ?ag\b", r"1 T ?agen"
    assert re.search(rf"Die Hälfte davon in höchstens {day}, neun von zehn in höchstens {day} \(Kalendertage", text)
    assert not re.search(days, text)

    neu_anspach.get("/sprache/en")
    english = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)
    assert "Half of them within at most 1 day, nine in ten within at most 1 day (calendar days" in english
    assert "1 days" not in english


def test_processing_times_of_several_days_take_the_plural_with_one_decimal_in_german_and_english(app, neu_anspach):
    start = today_in_germany().replace(month=1, day=1)
    for number, days in enumerate((3, 8), start=1):
        add_case(app, "neu-anspach", number, start, channel="online", status="approved",
                 decided=start + timedelta(days=days), due=start + timedelta(days=10))

    html = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)
    assert "Die Hälfte davon in höchstens 5,5 Tagen, neun von zehn in höchstens 7,5 Tagen (Kalendertage" in html

    neu_anspach.get("/sprache/en")
    english = neu_anspach.get(f"/verwaltung/statistik/bericht?{_period()}").get_data(as_text=True)
    assert "Half of them within at most 5.5 days, nine in ten within at most 7.5 days (calendar days" in english
