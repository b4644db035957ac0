"""The cash office at /sachbearbeitung/zahlungen: what it lists and adds up, booking money by hand
and refunds (audited), the booking export to the cent, and that it is the town's own."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.clock import TOWN_TIME, as_utc, in_town_time, today_in_germany
from amtsweg.extensions import db
from amtsweg.payments import services
from payment_support import (
    FEES,
    TOTAL,
    case_of,
    come_back,
    connect,
    in_town,
    make_case,
    payments_of,
    return_path,
    start,
)
from sqlalchemy import select
from support.logins import csrf_token_of, login_as
from support.tables import data_table

BASE = "/sachbearbeitung/zahlungen"


def _cashier(client_for, town: str = "usingen"):
    client = client_for(town)
    login_as(client, "cash_office", username=f"kasse-{town}")
    return client


def _transfer(app, town: str, number: int, fees=None) -> int:
    """A case of ``town`` whose fee the citizen will pay without a provider (a transfer, or at the
    town hall where the town takes no transfers); returns the payment's id."""
    reference = make_case(app, town, number=number, fees=fees)
    method = "rathaus" if town == "schmitten" else "ueberweisung"
    with in_town(app, town):
        return services.start_payment(case_of(reference), None, "payment.show", method).payment.id


def _post(client, path: str, **data):
    page = client.get(path.rsplit("/", 1)[0])
    return client.post(path, data={"csrf_token": csrf_token_of(page.text), **data})


def test_the_cash_office_lists_the_towns_payments_with_totals(app, client_for, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    come_back(client_for("usingen"), return_path(payment_provider.choose(url)))
    open_id = _transfer(app, "usingen", 2)
    _transfer(app, "schmitten", 1)
    client = _cashier(client_for)
    page = client.get(f"{BASE}/")
    assert page.status_code == 200
    text = page.text
    assert "US-2026-000001" in text and "US-2026-000002" in text and "SC-2026-000001" not in text
    assert "Eingegangen (abzüglich Erstattungen): 37,84\u00a0€ in 1 Zahlung." in text
    assert "Online bezahlen" in text and "Überweisung mit Kassenzeichen" in text
    assert "Gewerbe anmelden" in text
    only_open = client.get(f"{BASE}/?status=open").text
    assert "US-2026-000002" in only_open and "US-2026-000001</a>" not in only_open
    assert client.get(f"{BASE}/?suche=000002").text.count(f'{BASE}/{open_id}"') == 1
    assert client.get(f"{BASE}/?von=2000-13-45&bis=x&status=<script>&vor=²").status_code == 200


def test_the_cash_office_adds_up_by_day_month_and_service_in_tables_under_their_headings(
        app, client_for, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    come_back(client_for("usingen"), return_path(payment_provider.choose(url)))
    with in_town(app, "usingen"):
        paid_on = in_town_time(payments_of(reference)[0].paid_at).date()

    text = _cashier(client_for).get(f"{BASE}/").text

    tables = {caption: data_table(text, caption) for caption in ("Je Tag", "Je Monat", "Je Leistung")}
    assert tables["Je Tag"] == (["Tag", "Anzahl", "Betrag"], [[f"{paid_on:%d.%m.%Y}", "1", "37,84 €"]])
    assert tables["Je Monat"] == (["Monat", "Anzahl", "Betrag"], [[f"{paid_on:%m/%Y}", "1", "37,84 €"]])
    assert tables["Je Leistung"] == (["Leistung", "Anzahl", "Betrag"], [["Gewerbe anmelden", "1", "37,84 €"]])


def test_an_invoice_marked_paid_by_hand_is_booked_and_audited(app, client_for):
    payment_id = _transfer(app, "usingen", 1)
    client = _cashier(client_for)
    detail = client.get(f"{BASE}/{payment_id}")
    assert "Zahlungseingang buchen" in detail.text and "5411000" in detail.text and "02.01.01" in detail.text
    yesterday = today_in_germany() - timedelta(days=1)
    response = _post(client, f"{BASE}/{payment_id}/bezahlt", eingang=yesterday.isoformat(),
                     vermerk="Kontoauszug 12/2026")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "Zahlung als eingegangen gebucht." in page
    assert "Offen → Bezahlt" in page and "Kontoauszug 12/2026" in page and "kasse-usingen" in page
    with in_town(app, "usingen"):
        payment = payments_of("US-2026-000001")[0]
        assert payment.status == "paid"
        assert as_utc(payment.paid_at).astimezone(TOWN_TIME).date() == yesterday
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.marked_paid_by_hand"))
        assert event.actor == "kasse-usingen" and event.details["paid_on"] == yesterday.isoformat()


@pytest.mark.parametrize(("date", "message"), [
    ((today_in_germany() + timedelta(days=1)).isoformat(), "Das Zahlungsdatum darf nicht in der Zukunft liegen."),
    ("31.12.2026", "Bitte geben Sie das Datum des Zahlungseingangs an."),
    ("", "Bitte geben Sie das Datum des Zahlungseingangs an."),
])
def test_a_bad_date_is_refused_with_a_clear_message(app, client_for, date, message):
    payment_id = _transfer(app, "usingen", 1)
    client = _cashier(client_for)
    response = _post(client, f"{BASE}/{payment_id}/bezahlt", eingang=date)
    assert message in client.get(response.headers["Location"]).text
    with in_town(app, "usingen"):
        assert payments_of("US-2026-000001")[0].status == "open"


def test_refunds_are_recorded_in_part_and_in_full(app, client_for):
    payment_id = _transfer(app, "usingen", 1)
    client = _cashier(client_for)
    _post(client, f"{BASE}/{payment_id}/bezahlt", eingang=today_in_germany().isoformat())
    too_much = _post(client, f"{BASE}/{payment_id}/erstattung", betrag="40,00", grund="Antrag zurückgenommen")
    assert "Der Betrag muss größer als 0 und höchstens 37,84 € sein." in client.get(too_much.headers["Location"]).text
    no_reason = _post(client, f"{BASE}/{payment_id}/erstattung", betrag="10,00", grund=" ")
    assert "Bitte geben Sie den Grund der Erstattung an." in client.get(no_reason.headers["Location"]).text
    nonsense = _post(client, f"{BASE}/{payment_id}/erstattung", betrag="zehn", grund="x")
    assert "Bitte geben Sie den Betrag in Euro an" in client.get(nonsense.headers["Location"]).text
    part = _post(client, f"{BASE}/{payment_id}/erstattung", betrag="12,34", grund="Auskunft entfällt")
    assert "Erstattung von 12,34\u00a0€ vermerkt." in client.get(part.headers["Location"]).text
    rest = _post(client, f"{BASE}/{payment_id}/erstattung", betrag="25,50", grund="Antrag abgelehnt")
    page = client.get(rest.headers["Location"]).text
    assert "Erstattet" in page and "Erstattung 25,50\u00a0€" in page
    with in_town(app, "usingen"):
        payment = payments_of("US-2026-000001")[0]
        assert (payment.status, payment.refunded_cents) == ("refunded", TOTAL)
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.refunded")).all()) == 2


def test_the_booking_export_of_a_day_reproduces_that_days_payments_to_the_cent(app, client_for):
    today = today_in_germany()
    yesterday = today - timedelta(days=1)
    odd_fees = [{"id": "gebuehr", "label": {"de": "Gebühr", "en": "Fee"}, "cents": 1},
                {"id": "zuschlag", "label": {"de": "=Zuschlag", "en": "Surcharge"}, "cents": 999_999_99}]
    ids = [_transfer(app, "usingen", number) for number in (1, 2, 3)] + [_transfer(app, "usingen", 4, odd_fees)]
    _transfer(app, "usingen", 5)  # never paid
    other_town = _transfer(app, "schmitten", 1)
    client = _cashier(client_for)
    for payment_id in ids[:2]:
        _post(client, f"{BASE}/{payment_id}/bezahlt", eingang=today.isoformat())
    _post(client, f"{BASE}/{ids[2]}/bezahlt", eingang=yesterday.isoformat())
    _post(client, f"{BASE}/{ids[3]}/bezahlt", eingang=today.isoformat())
    _post(client, f"{BASE}/{ids[0]}/erstattung", betrag="5,01", grund="Teilerstattung")
    schmitten = _cashier(client_for, "schmitten")
    _post(schmitten, f"{BASE}/{other_town}/bezahlt", eingang=today.isoformat())

    response = client.get(f"{BASE}/buchungen.csv?von={today.isoformat()}&bis={today.isoformat()}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"buchungen-usingen-{today:%Y-%m-%d}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    amounts = [Decimal(row["Betrag"].replace(",", ".")) for row in rows]
    expected = 2 * TOTAL + 1 + 999_999_99 - 501
    assert sum(amounts) * 100 == expected
    assert len(rows) == 2 * len(FEES) + 2 + 1
    assert {row["Aktenzeichen"] for row in rows} == {"US-2026-000001", "US-2026-000002", "US-2026-000004"}
    assert {row["Buchungstag"] for row in rows} == {today.strftime("%d.%m.%Y")}
    refund = next(row for row in rows if row["Betrag"].startswith("-"))
    assert (refund["Betrag"], refund["Kassenzeichen"]) == ("-5,01", "US-2026-000001")
    big = next(row for row in rows if row["Betrag"] == "999999,99")
    assert big["Buchungstext"] == "'=Zuschlag"  # never a formula in a spreadsheet
    assert all(row["Haushaltsstelle"] == "5411000" and row["Produkt"] == "02.01.01" for row in rows)
    with in_town(app, "usingen"):
        from amtsweg.payments.queries import booking_rows

        assert sum(row.cents for row in booking_rows(today, today)) == expected
    earlier = client.get(f"{BASE}/buchungen.csv?von={yesterday.isoformat()}").data.decode("utf-8-sig")
    assert "US-2026-000003" in earlier and "US-2026-000001" not in earlier


@pytest.mark.parametrize("path", ["", "/bezahlt", "/erstattung", "/pruefen"])
def test_another_towns_payment_is_404(app, client_for, path):
    foreign = _transfer(app, "schmitten", 1)
    own = _transfer(app, "usingen", 1)
    client = _cashier(client_for)
    csrf = csrf_token_of(client.get(f"{BASE}/{own}").text)
    if path:
        response = client.post(f"{BASE}/{foreign}{path}", data={"csrf_token": csrf, "eingang": "2026-01-01",
                                                                 "betrag": "1,00", "grund": "x"})
    else:
        response = client.get(f"{BASE}/{foreign}")
    assert response.status_code == 404
    with in_town(app, "schmitten"):
        assert payments_of("SC-2026-000001")[0].status == "open"
    assert client.get(f"{BASE}/999999").status_code == 404


def test_the_cash_office_needs_its_role(app, client_for):
    payment_id = _transfer(app, "usingen", 1)
    anonymous = client_for("usingen").get(f"{BASE}/")
    assert anonymous.status_code == 302 and "/anmelden" in anonymous.headers["Location"]
    clerk = client_for("usingen")
    login_as(clerk, "clerk")
    assert clerk.get(f"{BASE}/").status_code == 403
    assert clerk.get(f"{BASE}/{payment_id}").status_code == 403
    assert clerk.get(f"{BASE}/buchungen.csv").status_code == 403
    assert 'href="/sachbearbeitung/zahlungen/"' not in clerk.get("/sachbearbeitung/").text
    cashier = _cashier(client_for)
    assert 'href="/sachbearbeitung/zahlungen/"' in cashier.get(f"{BASE}/").text
    assert client_for("usingen").get(f"{BASE}/", base_url="http://admin.localhost/").status_code in (404, 302)


def test_asking_the_provider_from_the_cash_office_books_what_it_says(app, client_for, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    payment_provider.switch(never_return=True)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    payment_provider.choose(url)
    client = _cashier(client_for)
    with in_town(app, "usingen"):
        payment_id = payments_of(reference)[0].id
    assert "Beim Zahlungsdienst nachfragen" in client.get(f"{BASE}/{payment_id}").text
    response = _post(client, f"{BASE}/{payment_id}/pruefen")
    assert "Stand beim Zahlungsdienst: Bezahlt" in client.get(response.headers["Location"]).text
    page = client.get(f"{BASE}/{payment_id}").text
    assert re.search(r"Offen → Bezahlt</td>\s*<td>Nachfrage der Kasse \(PAYED\)", page)


def test_the_cash_office_and_the_payment_page_speak_english(app, client_for):
    payment_id = _transfer(app, "usingen", 1)
    client = _cashier(client_for)
    client.get("/sprache/en")
    listing = client.get(f"{BASE}/").text
    assert "<h1 class=\"kern-heading-large\">Payments</h1>" in listing
    assert "Received (less refunds): €0.00 in 0 payments." in listing and "Bank transfer with payment" in listing
    detail = client.get(f"{BASE}/{payment_id}").text
    for english in ("Book a received payment", "Date the payment was received", "Booking lines", "History of the"):
        assert english in detail
    with in_town(app, "usingen"):
        token = services.start_payment(case_of("US-2026-000001"), None, "payment.show", "ueberweisung").token
    citizen = client_for("usingen")
    citizen.get("/sprache/en")
    page = citizen.get(f"/zahlung/{token}").text
    assert "How to pay" in page and "Payable by" in page and "Administrative fee" in page
    assert "Gebühr" not in page.split("<main")[1].split("</main>")[0]


def test_the_cash_office_names_services_and_fees_in_the_pages_language(app, client_for):
    payment_id = _transfer(app, "usingen", 1)
    client = _cashier(client_for)
    german = client.get(f"{BASE}/{payment_id}").text
    assert "<dd>Gewerbe anmelden</dd>" in german and "<td>Verwaltungsgebühr</td>" in german
    client.get("/sprache/en")
    listing = client.get(f"{BASE}/").text
    assert "<td>Register a business</td>" in listing and "<td>Gewerbe anmelden</td>" not in listing
    detail = client.get(f"{BASE}/{payment_id}").text
    assert "<dd>Register a business</dd>" in detail
    assert "<td>Administrative fee</td>" in detail and "<td>Trade register extract</td>" in detail


@pytest.mark.parametrize("path", [
    f"{BASE}/99999999999999999999999", f"{BASE}/0", f"{BASE}/-1", f"{BASE}/%C2%B2",
    f"{BASE}/?suche=%00%27%22<x>&status=paid%27--&zahlungsart=" + "x" * 500 + "&leistung=%E2%80%AE&von=0000-00-00",
    f"{BASE}/buchungen.csv?von=9999-12-31&bis=0001-01-01", f"{BASE}/buchungen.csv?von=%F0%9F%92%B8",
])
def test_hostile_addresses_of_the_cash_office_are_never_a_500(app, client_for, path):
    client = _cashier(client_for)
    assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize("token", ["%00", "a" * 101, "..%2F..%2Fetc", "%F0%9F%92%B8", "x' OR '1'='1"])
def test_hostile_tokens_on_the_payment_page_are_404(client_for, token):
    assert client_for("usingen").get(f"/zahlung/{token}").status_code == 404
