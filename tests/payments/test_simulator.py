"""The XBezahldienste simulator itself: the specification's rules, its authentication, its payment
page, the development mode ``make run`` uses — and that it refuses to run in production."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
import requests
from amtsweg.payments import services
from amtsweg.settings import REPOSITORY_ROOT
from payment_support import case_of, come_back, in_town, make_case, payments_of, return_path

ORIGINATOR, ENDPOINT = "amtsweg-test", "06434011"


def _request(**changes):
    body = {
        "requestId": "NA-2026-000001-1", "requestTimestamp": "2026-03-02T09:00:00Z", "currency": "EUR",
        "grosAmount": 37.84, "purpose": "NA-2026-000001", "description": "Gebuehr fuer Gewerbe",
        "redirectUrl": "https://neu-anspach.amtsweg.example/zahlung/abc",
        "items": [
            {"id": "gebuehr", "totalNetAmount": 25.50, "totalTaxAmount": 0, "bookingData": {"haushaltsstelle": "1"}},
            {"id": "auskunft", "totalNetAmount": 12.34, "totalTaxAmount": 0, "bookingData": {"haushaltsstelle": "1"}},
        ],
    }
    body.update(changes)
    return body


@pytest.fixture
def provider(payment_provider):
    payment_provider.add_accounts({"originator_id": ORIGINATOR, "auth": "basic", "password": "geheim",
                                   "endpoints": [ENDPOINT], "required_booking_keys": ["haushaltsstelle"]})
    return payment_provider


def _post(provider, body, auth=(ORIGINATOR, "geheim"), endpoint=ENDPOINT):
    return requests.post(f"{provider.url}/paymenttransaction/{ORIGINATOR}/{endpoint}", json=body, auth=auth,
                         verify=provider.verify, timeout=5)


def test_a_valid_request_becomes_an_initial_transaction_with_a_payment_page(provider):
    response = _post(provider, _request())
    assert response.status_code == 200
    information = response.json()["paymentInformation"]
    assert information["status"] == "INITIAL"
    assert information["transactionRedirectUrl"] == f"{provider.url}/bezahlen/{information['transactionId']}"
    page = requests.get(information["transactionRedirectUrl"], verify=provider.verify, timeout=5).text
    assert '<html lang="de">' in page and "37,84 €" in page
    for label in ("Jetzt bezahlen", "Zahlung abbrechen", "Zahlung fehlschlagen lassen"):
        assert label in page


@pytest.mark.parametrize(("changes", "status", "code"), [
    ({"grosAmount": 37.85}, 400, "CALCULATION_ERROR"),
    ({"purpose": "x" * 28}, 400, "VALIDATION_ERROR"),
    ({"purpose": "Gebühr"}, 400, "VALIDATION_ERROR"),
    ({"requestId": "a" * 37}, 400, "VALIDATION_ERROR"),
    ({"currency": "USD"}, 400, "VALIDATION_ERROR"),
    ({"items": []}, 400, "VALIDATION_ERROR"),
    ({"grosAmount": 1000000}, 400, "VALIDATION_ERROR"),
    ({"grosAmount": 37.841}, 400, "VALIDATION_ERROR"),
    ({"redirectUrl": "javascript:alert(1)"}, 400, "VALIDATION_ERROR"),
    ({"items": [{"id": "gebuehr", "totalNetAmount": 37.84, "totalTaxAmount": 0}]}, 400, "BOOKING_DATA_MISSING"),
])
def test_requests_breaking_a_rule_get_the_specified_problem(provider, changes, status, code):
    response = _post(provider, _request(**changes))
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["functionalCode"] == code


def test_the_same_request_id_twice_is_payment_exists_and_other_ids_are_refused(provider):
    assert _post(provider, _request()).status_code == 200
    again = _post(provider, _request())
    assert (again.status_code, again.json()["functionalCode"]) == (409, "PAYMENT_EXISTS")
    unknown = _post(provider, _request(requestId="x-1"), endpoint="00000000")
    assert unknown.json()["functionalCode"] == "NO_VALID_ORIGINATOR_OR_ENDPOINT"
    wrong = _post(provider, _request(requestId="x-2"), auth=(ORIGINATOR, "falsch"))
    assert (wrong.status_code, wrong.json()["functionalCode"]) == (401, "FORBIDDEN")


def test_the_status_query_follows_the_choice_on_the_payment_page(provider):
    information = _post(provider, _request()).json()["paymentInformation"]
    response = provider.choose(information["transactionRedirectUrl"], "abbrechen")
    assert (response.status_code, response.headers["Location"]) == (303, _request()["redirectUrl"])
    status = requests.get(f"{provider.url}/paymenttransaction/{ORIGINATOR}/{ENDPOINT}/{information['transactionId']}",
                          auth=(ORIGINATOR, "geheim"), verify=provider.verify, timeout=5).json()
    assert status["paymentInformation"]["status"] == "CANCELED"
    assert "transactionRedirectUrl" not in status["paymentInformation"]
    assert Decimal(str(status["paymentRequest"]["grosAmount"])) == Decimal("37.84")


def test_the_simulator_refuses_to_start_in_production():
    env = {**os.environ, "AMTSWEG_ENV": "production",
           "PYTHONPATH": str(REPOSITORY_ROOT / "platform")}
    result = subprocess.run([sys.executable, "-m", "simulators.xbezahldienste", "--port", "0", "--demo"], env=env,
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "does not run in production" in result.stderr


@pytest.fixture
def app_overrides(xbezahldienste_demo):
    return {"PAYMENT_SIMULATOR_URL": xbezahldienste_demo.url}


def test_in_development_every_town_pays_through_the_simulator_without_credentials(app, xbezahldienste_demo,
                                                                                 client_for):
    xbezahldienste_demo.reset()
    reference = make_case(app, "glashuetten")
    with in_town(app, "glashuetten"):
        demand = services.request_payment(case_of(reference), services.fee_lines_of(case_of(reference)))
        assert demand.methods[0] == "xbezahldienste"
        started = services.start_payment(case_of(reference), None, "payment.show")
    assert started.redirect_url.startswith(xbezahldienste_demo.url)
    page = come_back(client_for("glashuetten"), return_path(xbezahldienste_demo.choose(started.redirect_url)))
    assert "ist eingegangen" in page.text
    with in_town(app, "glashuetten"):
        assert [p.status for p in payments_of(reference)] == ["paid"]
