"""Settling payments against the running XBezahldienste simulator: the citizen's return is never
trusted (the provider is asked), every change is booked exactly once, and reconciliation catches
whatever the return missed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from amtsweg.extensions import db
from amtsweg.payments.models import PaymentEvent
from amtsweg.payments.services import reconcile
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from payment_support import TOTAL, come_back, connect, in_town, make_case, payments_of, return_path, start
from sqlalchemy import func, select
from support.logins import csrf_token_of


@pytest.fixture
def usingen(app, payment_provider, monkeypatch):
    connect(app, "usingen", payment_provider, monkeypatch)
    return payment_provider


def _status(app, reference: str) -> list[str]:
    with in_town(app, "usingen"):
        return [payment.status for payment in payments_of(reference)]


def _paid_events(app, reference: str) -> int:
    with in_town(app, "usingen"):
        payment = payments_of(reference)[-1]
        return db.session.scalar(select(func.count()).select_from(PaymentEvent).where(
            PaymentEvent.payment_id == payment.id, PaymentEvent.to_status == "paid"))


def _reconcile(app, slug: str = "usingen", now: datetime | None = None):
    with in_town(app, slug):
        return reconcile(now)


def test_a_paid_payment_is_booked_when_the_citizen_comes_back(app, usingen, client_for):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    page = come_back(client_for("usingen"), return_path(usingen.choose(url, "bezahlen")))
    assert page.status_code == 200
    assert "Ihre Zahlung von 37,84\u00a0€ ist eingegangen" in page.text
    assert _status(app, reference) == ["paid"]
    with in_town(app, "usingen"):
        payment = payments_of(reference)[0]
        assert payment.amount_cents == TOTAL and payment.paid_at is not None and payment.paid_with == "CREDITCARD"
        assert payment.request_id == f"{reference}-1"


def test_a_hundred_returns_and_parallel_reconciliation_book_the_payment_once(app, usingen, client_for):
    # A hundred returns from one address are far over the token-lookup rate limit, which is not what
    # this test is about.
    app.config["TOKEN_LOOKUP_LIMIT"] = "1000 per minute"
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    path = return_path(usingen.choose(url, "bezahlen"))
    errors: list[BaseException] = []

    def reconcile_in_thread() -> None:
        try:
            _reconcile(app)
        except BaseException as exc:  # reported below, with the test's failure
            errors.append(exc)

    threads = [threading.Thread(target=reconcile_in_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    client = client_for("usingen")
    pages = [come_back(client, path) for _ in range(100)]
    for thread in threads:
        thread.join()
    assert errors == []
    assert {page.status_code for page in pages} == {200}
    assert all("ist eingegangen" in page.text for page in pages)
    assert _status(app, reference) == ["paid"]
    assert _paid_events(app, reference) == 1
    with in_town(app, "usingen"):
        from amtsweg.audit.models import AuditEvent

        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "payment.paid")) == 1
    # Once booked, a return asks the provider no more.
    queries = {t["transactionId"]: t["statusQueries"] for t in usingen.transactions()}
    client.get(path)
    assert {t["transactionId"]: t["statusQueries"] for t in usingen.transactions()} == queries


def test_a_citizen_who_never_comes_back_is_settled_by_reconciliation(app, usingen):
    usingen.switch(never_return=True)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    response = usingen.choose(url, "bezahlen")
    assert response.status_code == 200 and "Fenster jetzt schließen" in response.text
    assert _status(app, reference) == ["open"]
    result = _reconcile(app)
    assert (result.checked, result.changed) == (1, 1)
    assert _status(app, reference) == ["paid"]
    assert _reconcile(app).checked == 0  # a final payment is asked about no more


def test_failed_first_then_payed_ends_paid(app, usingen, client_for):
    usingen.switch(failed_first=1)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    page = come_back(client_for("usingen"), return_path(usingen.choose(url, "bezahlen")))
    assert "Die Zahlung ist nicht gelungen" in page.text
    assert _status(app, reference) == ["failed"]  # the citizen's status check was answered FAILED
    assert _reconcile(app).changed == 1
    assert _status(app, reference) == ["paid"]
    with in_town(app, "usingen"):
        events = db.session.scalars(select(PaymentEvent.to_status).order_by(PaymentEvent.id)).all()
    assert events == ["pending", "open", "failed", "paid"]


def test_a_down_provider_leaves_the_payment_open_and_reconciliation_settles_it_later(app, usingen, client_for):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    response = usingen.choose(url, "bezahlen")
    usingen.switch(down=True)
    page = come_back(client_for("usingen"), return_path(response))
    assert page.status_code == 200
    assert "Der Zahlungsdienst ist gerade nicht erreichbar" in page.text
    assert _status(app, reference) == ["open"]
    assert _reconcile(app).failed_checks == 1
    with in_town(app, "usingen"):
        assert payments_of(reference)[0].error_code == "HTTP_503"
    assert _status(app, reference) == ["open"]
    usingen.switch(down=False)
    assert _reconcile(app).changed == 1
    assert _status(app, reference) == ["paid"]


def test_a_return_before_the_provider_has_a_result_keeps_the_payment_open(app, usingen, client_for):
    reference = make_case(app, "usingen")
    _, token = start(app, "usingen", reference)
    page = client_for("usingen").get(f"/zahlung/{token}")
    assert "hat Ihre Zahlung noch nicht bestätigt" in page.text and "Zahlungsstatus prüfen" in page.text
    assert _status(app, reference) == ["open"]


def test_the_return_address_is_not_believed_only_the_provider(app, usingen, client_for):
    reference = make_case(app, "usingen")
    _, token = start(app, "usingen", reference)
    client = client_for("usingen")
    other = make_case(app, "usingen", number=2)
    other_url, _ = start(app, "usingen", other)
    usingen.choose(other_url, "bezahlen")
    other_transaction = next(t["transactionId"] for t in usingen.transactions() if t["requestId"] == f"{other}-1")
    tampered = (f"/zahlung/{token}?status=PAYED&amount=0.01&grosAmount=0.01&reference={other}"
                f"&transactionId={other_transaction}&kassenzeichen=FAKE")
    page = client.get(tampered)
    assert page.status_code == 200
    assert "noch nicht bestätigt" in page.text and "37,84\u00a0€" in page.text
    assert _status(app, reference) == ["open"]


def test_a_token_of_another_town_or_a_made_up_one_is_404(app, usingen, client_for, monkeypatch):
    reference = make_case(app, "usingen")
    _, token = start(app, "usingen", reference)
    assert client_for("schmitten").get(f"/zahlung/{token}").status_code == 404
    assert client_for("usingen").get("/zahlung/erfunden").status_code == 404
    assert client_for("usingen").get("/zahlung/" + "x" * 5000).status_code == 404
    assert client_for("schmitten").post(f"/zahlung/{token}/erneut").status_code in (400, 404)


def test_the_provider_answering_about_another_amount_changes_nothing(app, usingen, client_for):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    response = usingen.choose(url, "bezahlen")
    usingen.switch(amount_override="0.01")
    page = come_back(client_for("usingen"), return_path(response))
    assert page.status_code == 200 and "nicht erreichbar" in page.text
    assert _status(app, reference) == ["open"]
    with in_town(app, "usingen"):
        assert payments_of(reference)[0].error_code == "MISMATCH"


@pytest.mark.parametrize(("switches", "code"), [
    ({"garbage": True}, "UNUSABLE_ANSWER"),
    ({"status_override": "PENDING_SOMETHING"}, "UNKNOWN_STATUS"),
    ({"status_override": "payed"}, "UNKNOWN_STATUS"),
])
def test_nonsense_and_unknown_states_keep_the_payment_open_never_a_500(app, usingen, client_for, switches, code):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    response = usingen.choose(url, "bezahlen")
    usingen.switch(**switches)
    page = come_back(client_for("usingen"), return_path(response))
    assert page.status_code == 200
    assert _status(app, reference) == ["open"]
    result = _reconcile(app)
    assert (result.changed, result.failed_checks) == (0, 1)
    with in_town(app, "usingen"):
        assert payments_of(reference)[0].error_code == code
    usingen.switch(garbage=False, status_override="")
    assert _reconcile(app).changed == 1
    assert _status(app, reference) == ["paid"]


def test_a_slow_provider_times_out_and_changes_nothing(app, usingen, client_for):
    from payment_support import set_payments

    set_payments(app, "usingen", timeout_seconds=0.5)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    response = usingen.choose(url, "bezahlen")
    usingen.switch(slow_seconds=1.5)
    page = come_back(client_for("usingen"), return_path(response))
    assert page.status_code == 200 and "nicht erreichbar" in page.text
    assert _status(app, reference) == ["open"]
    usingen.switch(slow_seconds=0)


def test_a_cancelled_payment_offers_a_retry_which_is_a_new_attempt(app, usingen, client_for):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    client = client_for("usingen")
    page = come_back(client, return_path(usingen.choose(url, "abbrechen")))
    assert "Sie haben die Zahlung abgebrochen. Es wurde nichts abgebucht." in page.text
    assert 'value="xbezahldienste"' in page.text and 'value="ueberweisung"' in page.text
    assert _status(app, reference) == ["cancelled"]


    retried = client.post(page.request.path + "/erneut",
                          data={"csrf_token": csrf_token_of(page.text), "zahlungsart": "xbezahldienste"})
    assert retried.status_code == 200 and 'http-equiv="refresh"' in retried.text
    assert _status(app, reference) == ["cancelled", "open"]
    assert sorted(t["requestId"] for t in usingen.transactions()) == [f"{reference}-1", f"{reference}-2"]


def test_a_failed_payment_can_be_switched_to_a_transfer_with_bank_details(app, usingen, client_for):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    client = client_for("usingen")
    page = come_back(client, return_path(usingen.choose(url, "fehlschlagen")))
    assert "Die Zahlung ist nicht gelungen" in page.text


    retried = client.post(page.request.path + "/erneut",
                          data={"csrf_token": csrf_token_of(page.text), "zahlungsart": "ueberweisung"})
    assert retried.status_code == 303
    instructions = client.get(retried.headers["Location"])
    text = instructions.text
    assert "So bezahlen Sie" in text and "DE89 3704 0044 0532 0130 00" in text and "Stadtkasse Usingen" in text
    assert f"{reference}" in text and "Zahlbar bis" in text
    assert _status(app, reference) == ["failed", "open"]


def test_an_old_failed_payment_is_asked_less_often(app, usingen):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    usingen.choose(url, "fehlschlagen")
    assert _reconcile(app).changed == 1
    assert _status(app, reference) == ["failed"]
    with in_town(app, "usingen"):
        payment = payments_of(reference)[0]
        payment.created_at = datetime.now(UTC) - timedelta(days=3)
        db.session.commit()
    assert _reconcile(app).checked == 0
    assert _reconcile(app, now=datetime.now(UTC) + timedelta(days=1, minutes=1)).checked == 1
    assert _reconcile(app, now=datetime.now(UTC) + timedelta(days=30)).checked == 0  # beyond the window


def test_reconciliation_of_one_town_does_not_touch_another(app, usingen, monkeypatch):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    usingen.choose(url, "bezahlen")
    assert _reconcile(app, "schmitten").checked == 0
    assert _status(app, reference) == ["open"]
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert reconcile().changed == 1


def test_operators_check_the_connections_and_reconcile_from_the_command_line(app, usingen, monkeypatch):
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    usingen.choose(url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "usingen          1 checked, 1 changed, 0 checks failed, 0 starts abandoned" in result.output
    assert _status(app, reference) == ["paid"]
    check = runner.invoke(args=["payments", "check"])
    assert check.exit_code == 0, check.output
    assert "usingen          xbezahldienste   ok — Konfiguration aktiv" in check.output
    assert "schmitten        xbezahldienste   not connected" in check.output
    assert "usingen          ueberweisung     ok — bank transfer: no connection needed" in check.output
    usingen.switch(down=True)
    failing = runner.invoke(args=["payments", "check"])
    assert failing.exit_code != 0 and "FAILING — HTTP 503" in failing.output


def test_listeners_hear_each_change_once_inside_its_transaction(app, usingen, client_for, monkeypatch):
    from amtsweg.payments import services

    heard = []

    def listener(payment, old, new):
        # Runs before the commit: what it writes is committed with the change (the case flow's hook).
        from amtsweg.audit.services import record

        heard.append((payment.case_reference, old, new))
        record("test", "case.payment_heard", "case", payment.case_id or 0, new=new)

    monkeypatch.setattr(services, "_listeners", [])
    services.on_status_change(listener)
    reference = make_case(app, "usingen")
    url, _ = start(app, "usingen", reference)
    path = return_path(usingen.choose(url, "bezahlen"))
    for _ in range(3):
        come_back(client_for("usingen"), path)
    _reconcile(app)
    assert heard == [(reference, "pending", "open"), (reference, "open", "paid")]
    with in_town(app, "usingen"):
        from amtsweg.audit.models import AuditEvent

        assert db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "case.payment_heard")).all() == [{"new": "open"}, {"new": "paid"}]
