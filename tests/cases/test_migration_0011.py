"""Migration 0011 copies what was read back from the audit trail onto the case (pause start, payment
request, closing date) and gives every outbox row its case — on SQLite and on PostgreSQL; the
migrations after it keep that and go back down past it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from amtsweg.extensions import db
from conftest import build_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, DateTime, bindparam, create_engine, text
from sqlalchemy.engine import Connection

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
EVENTS = {
    # reference: (status, [(to, day of March)], closed_at)
    "US-2026-000001": ("waiting_for_citizen", [("in_progress", 3), ("waiting_for_citizen", 5)]),
    "US-2026-000002": ("awaiting_payment", [("awaiting_payment", 6)]),
    "US-2026-000003": ("closed", [("in_progress", 3), ("approved", 9), ("closed", 10)]),
    "US-2026-000004": ("archived", []),
    "US-2026-000005": ("in_progress", [("waiting_for_citizen", 4), ("in_progress", 7)]),
}


def _march(day: int) -> datetime:
    return datetime(2026, 3, day, 9, tzinfo=UTC)


def _exec(connection: Connection, sql: str, **params: Any) -> None:
    """Raw SQL as 0010's tables take it; dates and JSON bound with their column types."""
    types = {dict: JSON(), datetime: DateTime(timezone=True)}
    binds = [bindparam(name, type_=types[type(value)]) for name, value in params.items() if type(value) in types]
    connection.execute(text(sql).bindparams(*binds), params)


def _seed(connection: Connection) -> None:
    """A town, a process version, five cases with their transitions and a mail each, as 0010 stored them."""
    _exec(connection,
          "INSERT INTO tenant (id, slug, name, official_name, reference_prefix, aliases, settings, config_hash, active,"
          " created_at, updated_at) VALUES (1, 'usingen', 'Usingen', 'Stadt Usingen', 'US', '[]', '{}', 'x', true,"
          " :now, :now)", now=NOW)
    _exec(connection, "INSERT INTO process (id, slug, kind, category, title, summary, keywords, updated_at)"
                      " VALUES (1, 'p', 'digital', 'x', '{}', '{}', '[]', :now)", now=NOW)
    _exec(connection, "INSERT INTO process_version (id, process_id, version, definition, source, author, created_at)"
                      " VALUES (1, 1, 'v', '{}', '', 'test', :now)", now=NOW)
    for number, (reference, (status, transitions)) in enumerate(EVENTS.items(), start=1):
        _exec(connection,
              "INSERT INTO case_file (id, tenant_id, reference, process_version_id, process_slug, channel, status,"
              " answers, applicant_name, applicant_email, locale, fees, fee_cents, idempotency_key, submitted_at,"
              " updated_at) VALUES (:id, 1, :reference, 1, 'p', 'online', :status, '{}', '', '', 'de', '[]', 0, :key,"
              " :submitted, :updated)",
              id=number, reference=reference, status=status, key=reference, submitted=_march(2), updated=_march(15))
        for to, day in transitions:
            _exec(connection,
                  "INSERT INTO audit_event (tenant_id, occurred_at, actor, action, object_type, object_id, host,"
                  " details) VALUES (1, :at, 'weber', 'case.transition', 'case', :id, '', :details)",
                  at=_march(day), id=str(number), details={"to": to})
        nested = number % 2 == 0  # workflow mails keep the reference inside "case"
        context = {"case": {"reference": reference}} if nested else {"reference": reference}
        _exec(connection, "INSERT INTO outbox_message (tenant_id, kind, payload, status, attempts, next_attempt_at,"
                          " created_at) VALUES (1, 'mail', :payload, 'delivered', 1, :now, :now)",
              payload={"to": "a@example.org", "template": "t", "context": context}, now=NOW)
    _exec(connection, "INSERT INTO outbox_message (tenant_id, kind, payload, status, attempts, next_attempt_at,"
                      " created_at) VALUES (1, 'mail', :payload, 'delivered', 1, :now, :now)",
          payload={"to": "b@example.org", "template": "vertrag_frist", "context": {"number": "V-1"}}, now=NOW)


def _as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _state(connection: Connection) -> dict[str, Any]:
    cases = {reference: (_as_utc(paused), _as_utc(payment), _as_utc(closed)) for reference, paused, payment, closed
             in connection.execute(text(
                 "SELECT reference, paused_at, payment_requested_at, closed_at FROM case_file ORDER BY id"))}
    mails = [case_id for (case_id,) in connection.execute(text("SELECT case_id FROM outbox_message ORDER BY id"))]
    return {"cases": cases, "mails": mails}


def _migrate_and_check(app: Any, url: str) -> None:
    with app.app_context():
        upgrade(revision="0010")
        db.engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        _seed(connection)
    with app.app_context():
        upgrade(revision="0011")
    with engine.connect() as connection:
        state = _state(connection)
    assert state["cases"] == {
        "US-2026-000001": (_march(5), None, None),
        "US-2026-000002": (_march(6), _march(6), None),
        "US-2026-000003": (None, None, _march(10)),
        # Archived without a recorded transition: its last change, as the retention job read it.
        "US-2026-000004": (None, None, _march(15)),
        "US-2026-000005": (None, None, None),
    }
    assert state["mails"] == [1, 2, 3, 4, 5, None]
    with app.app_context():
        downgrade(revision="0010")
        upgrade(revision="0011")
        # The later migrations (0014's search terms and keys, 0019's composite case key) run on top.
        upgrade(revision="heads")
    with engine.connect() as connection:
        assert _state(connection) == state
        terms = set(connection.execute(text("SELECT term FROM case_search_term WHERE case_id = 3")).scalars())
    assert terms == {"us-2026-000003", "us", "2026", "000003"}
    with app.app_context():
        downgrade(revision="0010")
        upgrade(revision="heads")
    engine.dispose()


def test_migration_0011_on_sqlite(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'amtsweg.sqlite3'}"
    _migrate_and_check(build_app(tmp_path, DATABASE_URL=url), url)


@pytest.mark.postgres
def test_migration_0011_on_postgresql(postgres_server, tmp_path: Path):
    name = postgres_server.create_database("amtsweg_migration_0011")
    try:
        app = build_app(tmp_path, DATABASE_URL=postgres_server.app_url(name),
                        MIGRATION_DATABASE_URL=postgres_server.owner_url(name),
                        OPS_DATABASE_URL=postgres_server.ops_url(name))
        # Seeded and read back as the role of cross-town work: row-level security is forced on the owner.
        _migrate_and_check(app, postgres_server.ops_url(name))
        with app.app_context():
            db.engine.dispose()
    finally:
        postgres_server.drop_database(name)
