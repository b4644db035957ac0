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
