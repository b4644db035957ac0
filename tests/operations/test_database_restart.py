"""A PostgreSQL restart gives no server errors: pooled connections are checked before use, and a
read whose connection dies under it is repeated once. A PostgreSQL server of its own, so that the
restart does not disturb the rest of the suite."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from amtsweg.extensions import db
from conftest import host_client, postgres_app, town_client
from sqlalchemy import event
from support.logins import login_as
from support.postgres_server import PostgresServer, find_bindir
from support.services import unavailable

pytestmark = pytest.mark.postgres
PAGES = ["/", "/leistungen", "/leistungen/hundesteuer-anmelden", "/antrag/hundesteuer-anmelden/"]


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, postgres) are not installed")
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def restartable(own_postgres: PostgresServer, tmp_path: Path):
    with postgres_app(own_postgres, tmp_path) as app:
        yield app


def test_pages_answer_right_after_a_postgresql_restart(restartable, own_postgres):
    client = town_client(restartable, "usingen")
    clerk = town_client(restartable, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    admin = host_client(restartable, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    assert [client.get(page).status_code for page in PAGES] == [200] * len(PAGES)
    own_postgres.restart()
    assert [client.get(page).status_code for page in PAGES] == [200] * len(PAGES)
    assert clerk.get("/sachbearbeitung/").status_code == 200
    assert admin.get("/bibliothek").status_code == 200


def test_a_read_whose_connection_dies_under_it_is_repeated_once(restartable, own_postgres, caplog):
    """The server ends the request's connection at its first statement (as a restart would)."""
    killed: list[int] = []

    def end_backend(conn, cursor, statement, parameters, context, executemany):
        if killed or "set_config" in statement:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with own_postgres.connect(own_postgres.superuser_url(), autocommit=True) as superuser:
            superuser.execute("SELECT pg_terminate_backend(%s)", (pid,))
        killed.append(pid)

    client = town_client(restartable, "usingen")
    assert client.get("/leistungen").status_code == 200
    caplog.set_level(logging.WARNING, logger="amtsweg")
    with restartable.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", end_backend)
    try:
        response = client.get("/antrag/hundesteuer-anmelden/")
    finally:
        event.remove(engine, "before_cursor_execute", end_backend)
    assert killed, "no statement ran on the app's connection"
    assert response.status_code == 200 and "Hund" in response.get_data(as_text=True)
    assert any("trying once more" in record.getMessage() for record in caplog.records)


def test_while_postgresql_is_down_pages_say_temporarily_unavailable(restartable, own_postgres):
    client = town_client(restartable, "usingen")
    assert client.get("/leistungen").status_code == 200
    assert own_postgres.service is not None
    own_postgres.service.stop()
    try:
        response = client.get("/antrag/hundesteuer-anmelden/")
        assert response.status_code == 503
        assert "Vorübergehend nicht erreichbar" in response.get_data(as_text=True)
    finally:
        own_postgres.restart()
    assert client.get("/antrag/hundesteuer-anmelden/").status_code == 200
