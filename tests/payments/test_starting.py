"""Starting a payment against the running simulator: each authentication profile, the request id
that makes a retried start harmless, and every refusal of the provider mapped to one outcome."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from amtsweg.extensions import db
from amtsweg.payments import services
from amtsweg.payments.base import PaymentExists, ProviderRefused, ProviderUnavailable
from amtsweg.payments.config import town_payments
from amtsweg.payments.providers.xbezahldienste import XBezahldiensteProvider
from amtsweg.payments.xbezahldienste.auth import variable
from amtsweg.payments.xbezahldienste.client import FUNCTIONAL_OUTCOMES
from amtsweg.tenancy import current_tenant
from payment_support import (
    TOTAL,
    case_of,
    come_back,
    connect,
    in_town,
    make_case,
    payments_of,
    return_path,
    set_payments,
    start,
)


def _provider() -> XBezahldiensteProvider:
    tenant = current_tenant()
    provider = town_payments(tenant).provider("xbezahldienste", tenant.slug)
    assert isinstance(provider, XBezahldiensteProvider)
    return provider


@pytest.mark.parametrize("profile", ["basic", "oauth2", "mtls"])
def test_each_authentication_profile_pays_against_the_simulator(app, payment_provider, monkeypatch, client_for,
                                                                profile):
    connect(app, "schmitten", payment_provider, monkeypatch, profile=profile)
    reference = make_case(app, "schmitten")
    url, _ = start(app, "schmitten", reference)
    page = come_back(client_for("schmitten"), return_path(payment_provider.choose(url, "bezahlen")))
    assert "ist eingegangen" in page.text
    with in_town(app, "schmitten"):
        assert [p.status for p in payments_of(reference)] == ["paid"]
        health = _provider().health()
    assert health.ok and health.message == "Konfiguration aktiv"


@pytest.mark.parametrize("profile", ["basic", "oauth2", "mtls"])
def test_wrong_credentials_of_each_profile_refuse_the_payment_and_keep_it_unstarted(app, payment_provider, monkeypatch,
                                                                                   profile):
    connect(app, "schmitten", payment_provider, monkeypatch, profile=profile)
    if profile == "mtls":
        # A certificate with the right name from a CA the provider does not trust.
        monkeypatch.setenv(variable("CERT", "schmitten"), str(payment_provider.pki.stranger_cert))
        monkeypatch.setenv(variable("KEY", "schmitten"), str(payment_provider.pki.stranger_key))
    else:
        monkeypatch.setenv(variable("SECRET", "schmitten"), "falsch")
    reference = make_case(app, "schmitten")
    with pytest.raises(services.OnlinePaymentUnavailable):
        start(app, "schmitten", reference)
    with in_town(app, "schmitten"):
        payment = payments_of(reference)[0]
        assert payment.status == "pending" and payment.transaction_id is None
        assert payment.error_code == {"basic": "FORBIDDEN", "oauth2": "FORBIDDEN", "mtls": "TLS"}[profile]
        assert not _provider().health().ok
    assert payment_provider.transactions() == []


def test_a_missing_secret_names_its_environment_variable(app, payment_provider, monkeypatch):
    connect(app, "schmitten", payment_provider, monkeypatch, profile="mtls")
    monkeypatch.delenv(variable("KEY", "schmitten"))
    with in_town(app, "schmitten"):
        health = _provider().health()
    assert not health.ok and "AMTSWEG_PAYMENT_KEY_SCHMITTEN" in health.message


def test_the_oauth2_token_is_cached_and_renewed_when_the_provider_forgets_it(app, payment_provider, monkeypatch):
    account = connect(app, "schmitten", payment_provider, monkeypatch, profile="oauth2")
    first, second = make_case(app, "schmitten"), make_case(app, "schmitten", number=2)
    start(app, "schmitten", first)
    start(app, "schmitten", second)
    with in_town(app, "schmitten"):
        assert _provider().health().ok
    assert payment_provider.state()["counters"]["token_requests"] == 1
    payment_provider.reset()  # the provider restarts and knows no token any more
    payment_provider.add_accounts(account)
    with in_town(app, "schmitten"):
        assert _provider().health().ok
    assert payment_provider.state()["counters"]["token_requests"] == 1


def test_two_tabs_starting_the_same_payment_get_one_transaction(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    first, _ = start(app, "usingen", reference)
    second, _ = start(app, "usingen", reference)
    assert first == second
    assert [t["requestId"] for t in payment_provider.transactions()] == [f"{reference}-1"]


def test_a_start_while_the_provider_is_down_keeps_the_attempt_and_retries_it_under_the_same_request_id(
        app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    payment_provider.switch(down=True)
    with pytest.raises(services.ProviderDown) as raised:
        start(app, "usingen", reference)
    assert "Es wurde nichts abgebucht" in str(raised.value.message)
    with in_town(app, "usingen"):
        assert [(p.status, p.request_id) for p in payments_of(reference)] == [("pending", f"{reference}-1")]
    payment_provider.switch(down=False)
    url, _ = start(app, "usingen", reference)
    assert url is not None
    assert [t["requestId"] for t in payment_provider.transactions()] == [f"{reference}-1"]
    with in_town(app, "usingen"):
        assert [p.status for p in payments_of(reference)] == ["open"]


def test_a_lost_answer_leaves_the_request_id_used_and_a_new_attempt_takes_over(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    # A short read timeout, and a long connect timeout: the time a parallel start may still be on
    # its way (their sum) leaves room for a slow machine.
    set_payments(app, "usingen", timeout_seconds=0.5, connect_timeout_seconds=20)
    reference = make_case(app, "usingen")
    payment_provider.switch(slow_seconds=1.0)  # the provider creates the transaction, but too late for us
    with pytest.raises(services.ProviderDown):
        start(app, "usingen", reference)
    payment_provider.switch(slow_seconds=0)
    deadline = time.monotonic() + 5
    while not payment_provider.transactions() and time.monotonic() < deadline:
        time.sleep(0.05)  # the provider is still working on the request we gave up on
    with in_town(app, "usingen"):
        with pytest.raises(services.ProviderBusy):  # a parallel start might still be on its way
            services.start_payment(case_of(reference), None, "payment.show")
        payments_of(reference)[0].created_at = datetime.now(UTC) - timedelta(minutes=2)
        db.session.commit()
        started = services.start_payment(case_of(reference), None, "payment.show")
        assert started.redirect_url
        attempts = [(p.status, p.error_code) for p in payments_of(reference)]
        assert attempts == [("failed", "PAYMENT_EXISTS"), ("open", "")]
    assert sorted(t["requestId"] for t in payment_provider.transactions()) == [f"{reference}-1", f"{reference}-2"]


def test_missing_booking_data_fails_the_attempt_with_a_clear_message(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch, required_booking_keys=["haushaltsstelle", "kostenstelle"])
    reference = make_case(app, "usingen")
    with pytest.raises(services.OnlinePaymentUnavailable) as raised:
        start(app, "usingen", reference)
    assert "Bitte wählen Sie eine andere Zahlungsart" in str(raised.value.message)
    with in_town(app, "usingen"):
        payment = payments_of(reference)[0]
        assert (payment.status, payment.error_code) == ("failed", "BOOKING_DATA_MISSING")
        assert "kostenstelle" in payment.error_detail


def test_an_unknown_endpoint_is_a_misconfiguration(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    set_payments(app, "usingen", endpoint_id="06434999")
    reference = make_case(app, "usingen")
    with pytest.raises(services.OnlinePaymentUnavailable):
        start(app, "usingen", reference)
    with in_town(app, "usingen"):
        assert payments_of(reference)[0].error_code == "NO_VALID_ORIGINATOR_OR_ENDPOINT"


@pytest.mark.parametrize(("change", "code"), [
    ({"gros_amount": Decimal("99.99")}, "CALCULATION_ERROR"),
    ({"currency": "USD"}, "VALIDATION_ERROR"),
    ({"purpose": "x" * 40}, "VALIDATION_ERROR"),
])
def test_refusals_of_the_provider_map_to_their_outcome(app, payment_provider, monkeypatch, change, code):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    with in_town(app, "usingen"):
        order = services.order_of(_pending_payment(reference), "https://usingen.localhost/zahlung/x")
        provider = _provider()
        # Past our own checks (which would stop these first): the provider's answer is what is tested.
        request = provider.request_of(order).model_copy(update=change)
        with pytest.raises(ProviderRefused) as raised:
            provider._client().create(request)
    assert raised.value.code == code
    assert FUNCTIONAL_OUTCOMES[code] is ProviderRefused


def test_a_second_request_with_the_same_id_is_payment_exists(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    with in_town(app, "usingen"):
        order = services.order_of(_pending_payment(reference), "https://usingen.localhost/zahlung/x")
        provider = _provider()
        provider.start(order)
        with pytest.raises(PaymentExists):
            provider.start(order)


def _pending_payment(reference):
    from amtsweg.payments.services import _new_attempt, _order_lines

    case = case_of(reference)
    lines = _order_lines(town_payments(current_tenant()), case, services.fee_lines_of(case))
    payment, _ = _new_attempt(case, lines, {}, "xbezahldienste", 1)
    db.session.commit()
    return payment


def test_an_unreachable_provider_and_a_timeout_are_temporary(app, payment_provider, monkeypatch):
    from support.process import free_port

    connect(app, "usingen", payment_provider, monkeypatch)
    set_payments(app, "usingen", base_url=f"https://127.0.0.1:{free_port()}")
    with in_town(app, "usingen"), pytest.raises(ProviderUnavailable) as raised:
        _provider()._client().status()
    assert raised.value.code == "UNREACHABLE"


def test_the_request_carries_the_fee_lines_with_booking_data_and_the_exact_sum(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    start(app, "usingen", reference)
    sent = payment_provider.transactions()[0]["request"]
    assert sent["requestId"] == f"{reference}-1" and sent["currency"] == "EUR"
    assert Decimal(str(sent["grosAmount"])) == Decimal(TOTAL) / 100
    assert sent["purpose"] == reference and len(sent["purpose"]) <= 27
    assert sent["redirectUrl"].startswith("http://usingen.localhost/zahlung/")
    assert [(i["id"], i["bookingData"]) for i in sent["items"]] == [
        ("gebuehr", {"kassenzeichen": reference, "haushaltsstelle": "5411000", "produkt": "02.01.01"}),
        ("auskunft", {"kassenzeichen": reference, "haushaltsstelle": "5411000", "produkt": "02.01.01"}),
    ]
    assert sent["requestor"] == {"name": "Erika Mustermann"}


def test_a_town_without_a_provider_contract_offers_only_its_other_methods(app):
    reference = make_case(app, "usingen")
    with in_town(app, "usingen"):
        demand = services.request_payment(case_of(reference), services.fee_lines_of(case_of(reference)))
        assert demand.methods == ("ueberweisung", "rathaus")
        assert (demand.amount_cents, demand.kassenzeichen, demand.amount) == (TOTAL, reference, "37,84 €")
        with pytest.raises(services.MethodNotOffered):
            services.start_payment(case_of(reference), None, "payment.show", "xbezahldienste")
        started = services.start_payment(case_of(reference), None, "payment.show")
        assert started.redirect_url is None and started.payment.method == "ueberweisung"
        assert started.payment.status == "open"


def test_nothing_to_pay_and_already_paid_are_refused(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    free = make_case(app, "usingen", fees=[])
    with in_town(app, "usingen"), pytest.raises(services.NothingToPay):
        services.start_payment(case_of(free), None, "payment.show")
    reference = make_case(app, "usingen", number=2)
    url, _ = start(app, "usingen", reference)
    payment_provider.choose(url, "bezahlen")
    with in_town(app, "usingen"), pytest.raises(services.AlreadyPaid):
        # Starting again asks the provider first: it says paid, so there is nothing to start.
        services.start_payment(case_of(reference), None, "payment.show")
    with in_town(app, "usingen"):
        assert [p.status for p in payments_of(reference)] == ["paid"]


def test_an_open_online_payment_cannot_be_switched_to_another_method(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    start(app, "usingen", reference)
    with in_town(app, "usingen"), pytest.raises(services.OnlinePaymentOpen):
        services.start_payment(case_of(reference), None, "payment.show", "ueberweisung")


def test_the_client_sends_no_request_without_timeouts(app, payment_provider, monkeypatch):
    """Every call has a connect and a read timeout (a hanging provider must not hang a request)."""
    connect(app, "usingen", payment_provider, monkeypatch)
    seen = []
    original = requests.Session.request

    def spy(self, method, url, *args, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    with in_town(app, "usingen"):
        _provider().health()
    assert seen and all(isinstance(t, tuple) and all(t) for t in seen)
