"""Payments on a real PostgreSQL: row-level security on both tables, and concurrent returns and
reconciliation runs that book one payment exactly once (row locks, not SQLite's file lock)."""

from __future__ import annotations

import threading

import pytest
from amtsweg.extensions import db
from amtsweg.payments.models import TABLES, PaymentEvent
from amtsweg.payments.services import reconcile, settle
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from payment_support import connect, in_town, make_case, payments_of, start
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.postgres


def test_both_payment_tables_have_forced_row_level_security(pg_app):
    with pg_app.app_context():
        rows = db.session.execute(
            text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(TABLES)},
        ).all()
    assert sorted(rows) == sorted((table, True, True) for table in TABLES)


def test_raw_sql_of_one_town_sees_and_writes_only_its_own_payments(pg_app, payment_provider, monkeypatch):
    for town in ("usingen", "schmitten"):
        connect(pg_app, town, payment_provider, monkeypatch)
        start(pg_app, town, make_case(pg_app, town))
    schmitten = tenant_info(pg_app, "schmitten")
    with pg_app.app_context(), tenant_context(tenant_info(pg_app, "usingen")):
        assert db.session.execute(text("SELECT case_reference FROM payment")).scalars().all() == ["US-2026-000001"]
        assert db.session.execute(text("SELECT count(*) FROM payment_event")).scalar() == 2
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(
                text("INSERT INTO payment_event (tenant_id, payment_id, occurred_at, source, from_status, to_status, "
                     "provider_status, amount_cents, actor, note) SELECT :tenant, id, now(), 'manual', 'open', "
                     "'paid', '', 0, 'x', '' FROM payment"),
                {"tenant": schmitten.id},
            )
        db.session.rollback()


def test_parallel_settles_and_reconciliation_runs_book_once_on_postgresql(pg_app, payment_provider, monkeypatch):
    connect(pg_app, "usingen", payment_provider, monkeypatch)
    reference = make_case(pg_app, "usingen")
    url, _ = start(pg_app, "usingen", reference)
    payment_provider.choose(url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def run(kind: str) -> None:
        try:
            with in_town(pg_app, "usingen"):
                barrier.wait()
                if kind == "reconcile":
                    reconcile()
                else:
                    settle(payments_of(reference)[0], source="return")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(kind,)) for kind in ["reconcile", "return"] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with in_town(pg_app, "usingen"):
        assert [p.status for p in payments_of(reference)] == ["paid"]
        assert db.session.scalar(select(func.count()).select_from(PaymentEvent)
                                 .where(PaymentEvent.to_status == "paid")) == 1


def test_the_cash_office_search_takes_any_characters_on_postgresql(pg_app):
    from conftest import town_client
    from support.logins import login_as

    client = town_client(pg_app, "usingen")
    login_as(client, "cash_office")
    response = client.get("/sachbearbeitung/zahlungen/?suche=%00%27%25_&leistung=%00&zahlungsart=%00x")
    assert response.status_code == 200 and "Keine Zahlungen gefunden." in response.text


def test_notes_of_the_cash_office_with_any_characters_are_stored_on_postgresql(pg_app):
    from amtsweg.payments import services
    from conftest import town_client
    from payment_support import case_of
    from support.logins import csrf_token_of, login_as

    reference = make_case(pg_app, "usingen")
    with in_town(pg_app, "usingen"):
        payment_id = services.start_payment(case_of(reference), None, "payment.show", "ueberweisung").payment.id
    client = town_client(pg_app, "usingen")
    login_as(client, "cash_office")
    csrf = csrf_token_of(client.get(f"/sachbearbeitung/zahlungen/{payment_id}").text)
    for path, data in ((f"/sachbearbeitung/zahlungen/{payment_id}/bezahlt", {"eingang": "2026-01-02",
                                                                             "vermerk": "Konto\x00auszug"}),
                       (f"/sachbearbeitung/zahlungen/{payment_id}/erstattung", {"betrag": "1,00",
                                                                                "grund": "Grund\x00"})):
        response = client.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code == 303
    page = client.get(f"/sachbearbeitung/zahlungen/{payment_id}").text
    assert "Kontoauszug" in page and "Erstattung 1,00\u00a0€" in page
