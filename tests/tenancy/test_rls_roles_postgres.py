"""Row-level security cannot be switched off or redirected by the app's own database role: whatever
an injected statement sets, the app role sees only the town the app proved for the transaction.
Cross-town work runs under the separate ops role."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from amtsweg.audit.services import record
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.notifications import tasks
from amtsweg.notifications.models import PENDING, OutboxMessage
from amtsweg.notifications.services import queue_mail
from amtsweg.tenancy import all_tenants_context, tenant_context
from conftest import host_client, postgres_app, tenant_info
from psycopg import errors
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from support.logins import login_as

pytestmark = pytest.mark.postgres

SWITCHES = [
    ("amtsweg.all_tenants", "on"),
    ("amtsweg.tenant_id", "{schmitten}"),
    ("amtsweg.tenant", "{schmitten}"),
    ("amtsweg.tenant", "{schmitten}:" + "0" * 64),
    ("amtsweg.tenant", "{schmitten}:{forged}"),
    ("amtsweg.tenant", "{usingen}:{forged}"),
    ("row_security", "off"),
]


@pytest.fixture(scope="module")
def pg(postgres_server, tmp_path_factory):
    """Towns only, with one audit event and one pending mail in Usingen and in Schmitten."""
    with postgres_app(postgres_server, Path(tmp_path_factory.mktemp("rls")), library=False) as app:
        with app.app_context():
            for slug in ("usingen", "schmitten"):
                with tenant_context(tenant_info(app, slug)):
                    record(f"clerk-{slug}", "viewed", "case", 1)
                    queue_mail(to=f"{slug}@example.org", template="test_mail", context={})
                    db.session.commit()
        yield app, postgres_server


def _ids(app) -> dict[str, int]:
    return {slug: tenant_info(app, slug).id for slug in ("usingen", "schmitten")}


def _value(template: str, ids: dict[str, int]) -> str:
    forged = hmac.new(b"guessed key", str(ids["schmitten"]).encode(), hashlib.sha256).hexdigest()
    return template.format(forged=forged, **ids)


@pytest.mark.parametrize(("name", "template"), SWITCHES)
def test_a_plain_app_role_connection_sees_no_town_whatever_it_sets(pg, name, template):
    app, server = pg
    database = app.config["DATABASE_URL"].rsplit("/", 1)[1]
    with server.connect(server.app_url(database)) as connection:
        connection.execute("SELECT set_config(%s, %s, false)", (name, _value(template, _ids(app))))
        for table in ("audit_event", "outbox_message"):
            try:
                assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
            except errors.InsufficientPrivilege as refused:
                # row_security=off makes PostgreSQL refuse a query that the policy would filter.
                assert "row-level security" in str(refused)
                connection.rollback()


@pytest.mark.parametrize(("name", "template"), SWITCHES)
def test_inside_a_towns_request_an_injected_setting_never_shows_another_town(pg, name, template):
    app, _ = pg
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.execute(text("SELECT set_config(:name, :value, true)"),
                           {"name": name, "value": _value(template, _ids(app))})
        try:
            actors = db.session.execute(text("SELECT actor FROM audit_event")).scalars().all()
        except DBAPIError as refused:
            # row_security=off makes PostgreSQL refuse a query that the policy would filter.
            assert "row-level security" in str(refused)
            actors = []
        db.session.rollback()
    assert set(actors) <= {"clerk-usingen"}


def test_the_app_role_cannot_read_the_key_nor_become_the_ops_role(pg):
    app, server = pg
    database = app.config["DATABASE_URL"].rsplit("/", 1)[1]
    with server.connect(server.app_url(database)) as connection, pytest.raises(errors.InsufficientPrivilege):
        connection.execute("SELECT key FROM amtsweg_private.rls_key")
    with server.connect(server.app_url(database)) as connection, pytest.raises(errors.InsufficientPrivilege):
        connection.execute("SET ROLE amtsweg_ops")
    with server.connect(server.app_url(database)) as connection:
        # The function only answers with a town whose proof is valid; it never reveals one.
        assert connection.execute("SELECT amtsweg_current_tenant()").fetchone() == (None,)


def test_town_work_runs_as_the_app_role_and_cross_town_work_as_the_ops_role(pg):
    app, _ = pg
    with app.app_context():
        with tenant_context(tenant_info(app, "usingen")):
            assert db.session.execute(text("SELECT current_user")).scalar() == "amtsweg_app"
            assert db.session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
        db.session.rollback()
        with all_tenants_context():
            assert db.session.execute(text("SELECT current_user")).scalar() == "amtsweg_ops"
            assert db.session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 2
        db.session.rollback()


def test_the_outbox_sweeper_finds_due_mails_of_every_town(pg):
    app, _ = pg
    with app.app_context():
        for slug in ("usingen", "schmitten"):
            with tenant_context(tenant_info(app, slug)):
                db.session.execute(update(OutboxMessage).values(status=PENDING, next_attempt_at=utcnow()))
                db.session.commit()
        assert tasks.sweep() == 2


def test_the_platform_admins_failed_mails_page_reads_every_town(pg):
    app, _ = pg
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    assert admin.get("/betrieb").status_code == 200
