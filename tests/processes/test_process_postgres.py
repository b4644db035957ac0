"""The process tables on a real PostgreSQL: enablement rows are isolated per town by row-level
security, and stored versions cannot be changed even with raw SQL."""

from __future__ import annotations

import pytest
from amtsweg.extensions import db
from amtsweg.processes import queries
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.postgres


def test_raw_sql_sees_only_the_current_towns_enablement(pg_app):
    usingen = tenant_info(pg_app, "usingen")
    with pg_app.app_context(), tenant_context(usingen):
        towns = db.session.execute(text("SELECT DISTINCT tenant_id FROM process_enablement")).scalars().all()
    with pg_app.app_context():
        without_town = db.session.execute(text("SELECT count(*) FROM process_enablement")).scalar()
    assert towns == [usingen.id]
    assert without_town == 0


def test_stored_versions_cannot_be_changed_with_raw_sql(pg_app):
    with pg_app.app_context():
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(text("UPDATE process_version SET author = 'x'"))
        db.session.rollback()
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(text("DELETE FROM process_version"))


def test_the_catalogue_is_served_from_postgresql(pg_app):
    page = town_client(pg_app, "graevenwiesbach").get("/leistungen").get_data(as_text=True)
    assert "/leistungen/gruenschnitt-abholung" in page
    assert "/leistungen/sondernutzung-strasse" not in page
    with pg_app.app_context(), tenant_context(tenant_info(pg_app, "graevenwiesbach")):
        assert queries.enabled_process("sondernutzung-strasse") is None
