"""The SAML login on a real PostgreSQL as the application role: the migration's tables and row-level
security hold a town's logins, and the replay store works across towns."""

from __future__ import annotations

import pytest
from amtsweg.auth.saml.models import CitizenLogin, SeenAssertion
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from auth.saml_flow import OTHER_SAML_TOWN, SAML_TOWN, finish, post_as_idp, register_towns, saml_login, start_login
from conftest import tenant_info, town_client
from sqlalchemy import select, text
from support.saml_idp import answer_at_idp

pytestmark = pytest.mark.postgres


@pytest.fixture
def saml_pg_app(pg_app, saml_simulator, saml_keys):
    pg_app.config.update({**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)})
    register_towns(pg_app, saml_simulator, SAML_TOWN)
    return pg_app


def test_a_login_is_stored_for_its_town_only(saml_pg_app):
    client = town_client(saml_pg_app, SAML_TOWN)
    assert saml_login(saml_pg_app, client, "erika-eid", niveau=4).status_code == 302
    assert "Vertrauensniveau „hoch“" in client.get("/buergerkonto/").get_data(as_text=True)
    with saml_pg_app.app_context():
        with tenant_context(tenant_info(saml_pg_app, SAML_TOWN)):
            assert [login.level for login in db.session.scalars(select(CitizenLogin))] == [4]
        with tenant_context(tenant_info(saml_pg_app, OTHER_SAML_TOWN)):
            # Raw SQL bypasses the ORM's town filter; row-level security still hides the row.
            assert db.session.execute(text("SELECT count(*) FROM citizen_login")).scalar() == 0
            assert len(db.session.scalars(select(SeenAssertion)).all()) == 1


def test_a_replay_is_refused_on_postgresql(saml_pg_app):
    client = town_client(saml_pg_app, SAML_TOWN)
    action, fields = answer_at_idp(start_login(client), "erika-eid")
    assert finish(client, post_as_idp(saml_pg_app, action, fields)).status_code == 302
    replay = finish(town_client(saml_pg_app, SAML_TOWN), post_as_idp(saml_pg_app, action, fields))
    assert replay.status_code == 400
