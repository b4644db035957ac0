"""The cross-town pages cost no more SQL statements with hundreds of towns than with five: they
count in the database and show one page of towns, never every town or every enablement row."""

from __future__ import annotations

import pytest
from amtsweg.extensions import db
from amtsweg.processes.models import Process, ProcessEnablement
from amtsweg.tenancy import all_tenants_context
from conftest import add_towns, host_client, loaded_towns, recorded_statements
from sqlalchemy import insert, select
from support.logins import login_as

ADMIN_PAGES = ["/uebersicht", "/bibliothek", "/bibliothek/freischaltung", "/bibliothek/gewerbe-anmelden",
               "/bibliothek/freischaltung?seite=2", "/bibliothek?kommune=usingen", "/betrieb"]


@pytest.fixture
def admin(app):
    client = host_client(app, "admin.localhost")
    login_as(client, "platform_admin", username="ikz-admin")
    return client


def _statements_and_towns(app, client, path: str) -> tuple[int, int]:
    with loaded_towns() as loaded, recorded_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements), len(loaded)


def _offer_everything_everywhere(app) -> None:
    # Every town's rows at once: cross-town work (on PostgreSQL the ops role, past row-level security).
    with app.app_context(), all_tenants_context():
        towns = db.session.execute(db.text("SELECT id FROM tenant")).scalars().all()
        processes = db.session.scalars(select(Process.id)).all()
        db.session.execute(db.text("DELETE FROM process_enablement"))
        db.session.execute(insert(ProcessEnablement), [
            {"tenant_id": town, "process_id": process, "enabled": True, "overrides": {}}
            for town in towns for process in processes
        ])
        db.session.commit()


def test_admin_pages_need_no_more_statements_for_hundreds_of_towns_than_for_five(app, admin):
    before = {path: _statements_and_towns(app, admin, path) for path in ADMIN_PAGES}
    add_towns(app)
    _offer_everything_everywhere(app)
    for path in ADMIN_PAGES:
        statements, towns = _statements_and_towns(app, admin, path)
        assert statements <= before[path][0], path
        assert statements <= 12, path
        # One page of towns at most.
        assert towns <= 50, f"{path} loaded {towns} towns"


def test_the_library_counts_every_offering_town(app, admin):
    add_towns(app, 40)
    _offer_everything_everywhere(app)
    page = admin.get("/bibliothek").get_data(as_text=True)
    assert "45 / 45" in page


def test_the_matrix_shows_one_page_of_towns_and_finds_a_town_by_name(app, admin):
    add_towns(app, 40)
    page = admin.get("/bibliothek/freischaltung").get_data(as_text=True)
    assert "Kommunen 1 bis 10 von 45" in page
    assert "Seite 1 von 5" in page
    found = admin.get("/bibliothek/freischaltung?kommunen=0033").get_data(as_text=True)
    assert 'data-town="gemeinde-0033"' in found
    assert 'data-town="usingen"' not in found


def test_the_member_list_is_searchable_and_paged(app):
    add_towns(app, 120)
    client = host_client(app, "localhost")
    first = client.get("/").get_data(as_text=True)
    assert "125 Kommunen gefunden" in first
    assert "Seite 1 von 3" in first
    found = client.get("/?suche=usingen").get_data(as_text=True)
    assert "Stadt Usingen" in found
    assert "Gemeinde 0001" not in found
    nothing = client.get("/?suche=Atlantis").get_data(as_text=True)
    assert "0 Kommunen gefunden" in nothing
