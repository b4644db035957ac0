"""Development login, role checks, session binding to host, rotation and timeouts."""

from __future__ import annotations

import re
import time

import pytest
from amtsweg.auth.access import CLERK, TEAM_LEAD, platform_admin_required, roles_required
from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.sessions import LOGIN_AT_KEY, SEEN_AT_KEY
from amtsweg.extensions import db
from amtsweg.tenancy import all_tenants_context
from conftest import host_client, tenant_info, town_client
from flask import Blueprint, Flask
from flask_login import current_user
from support.logins import csrf_token_of, login_as


@pytest.fixture
def guarded_app(app: Flask) -> Flask:
    pages = Blueprint("guarded_pages", __name__)

    @pages.route("/test/nur-sachbearbeitung")
    @roles_required(CLERK, TEAM_LEAD)
    def clerk_page() -> str:
        return f"Hallo {current_user.label} ({current_user.tenant_id})"

    @pages.route("/test/nur-verbund")
    @platform_admin_required
    def platform_page() -> str:
        return f"Verbund {current_user.label}"

    app.register_blueprint(pages)
    return app


def stored_session(client):
    """The client's session cookie of its own host, for reading or changing it in a test."""
    return client.session_transaction(base_url=f"http://{client.host}/")


def _users(app):
    with app.app_context(), all_tenants_context():
        return [(u.tenant_id, u.issuer, u.subject, u.roles) for u in db.session.scalars(db.select(User))]


def test_anonymous_visitor_is_sent_to_the_login_page_with_the_way_back(guarded_app):
    response = town_client(guarded_app, "usingen").get("/test/nur-sachbearbeitung?status=neu")
    assert response.status_code == 302
    assert response.headers["Location"] == "/anmelden?weiter=/test/nur-sachbearbeitung?status%3Dneu"


def test_development_login_creates_a_user_of_the_town_and_opens_guarded_pages(guarded_app):
    client = town_client(guarded_app, "usingen")
    login_as(client, "clerk", username="sb-usingen")
    usingen = tenant_info(guarded_app, "usingen")
    response = client.get("/test/nur-sachbearbeitung")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == f"Hallo sb-usingen ({usingen.id})"
    assert _users(guarded_app) == [(usingen.id, "dev", "sb-usingen", ["clerk"])]


def test_logged_in_user_without_the_role_gets_a_german_403_page(guarded_app):
    client = town_client(guarded_app, "usingen")
    login_as(client, "contracts_viewer")
    response = client.get("/test/nur-sachbearbeitung")
    assert response.status_code == 403
    assert "fehlt die Berechtigung" in response.get_data(as_text=True)


def test_roles_are_replaced_at_each_login(guarded_app):
    client = town_client(guarded_app, "usingen")
    login_as(client, "clerk", "team_lead", username="sb")
    login_as(client, "contracts_viewer", username="sb")
    assert [roles for *_, roles in _users(guarded_app)] == [["contracts_viewer"]]
    assert client.get("/test/nur-sachbearbeitung").status_code == 403


def test_a_login_on_one_town_is_not_a_login_on_another(guarded_app):
    usingen = town_client(guarded_app, "usingen")
    login_as(usingen, "clerk")
    assert town_client(guarded_app, "schmitten").get("/test/nur-sachbearbeitung").status_code == 302


def test_a_towns_session_cookie_replayed_on_another_towns_host_is_useless(guarded_app):
    usingen = town_client(guarded_app, "usingen")
    login_as(usingen, "clerk")
    cookie = usingen.get_cookie("session", domain="usingen.localhost")
    schmitten = town_client(guarded_app, "schmitten")
    schmitten.set_cookie("session", cookie.value, domain="schmitten.localhost")
    response = schmitten.get("/test/nur-sachbearbeitung")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")


def test_login_rotates_the_session_and_issues_a_new_csrf_token(guarded_app):
    client = town_client(guarded_app, "usingen")
    page = client.get("/anmelden/entwicklung")
    token_before = csrf_token_of(page.get_data(as_text=True))
    with stored_session(client) as planted:
        planted["planted_by_attacker"] = "yes"
    client.post("/anmelden/entwicklung", data={"csrf_token": token_before, "username": "sb", "roles": ["clerk"]})
    with stored_session(client) as after:
        assert "planted_by_attacker" not in after
        assert after.get("csrf_token") is None
    token_after = csrf_token_of(client.get("/anmelden/entwicklung").get_data(as_text=True))
    assert token_after != token_before


@pytest.mark.parametrize(
    ("stamp", "timeout"),
    [(SEEN_AT_KEY, "AUTH_IDLE_TIMEOUT"), (LOGIN_AT_KEY, "AUTH_ABSOLUTE_TIMEOUT")],
    ids=["idle", "absolute-even-when-active"],
)
def test_session_ends_after_the_timeout(guarded_app, stamp, timeout):
    client = town_client(guarded_app, "usingen")
    login_as(client, "clerk")
    with stored_session(client) as stored:
        stored[stamp] = int(time.time()) - guarded_app.config[timeout] - 5
    assert client.get("/test/nur-sachbearbeitung").status_code == 302


def test_logout_needs_the_csrf_token_and_ends_the_session(guarded_app):
    client = town_client(guarded_app, "usingen")
    login_as(client, "clerk")
    assert client.post("/abmelden").status_code == 400
    page = client.get("/test/nur-sachbearbeitung")
    assert page.status_code == 200
    start = client.get("/").get_data(as_text=True)
    assert "Abmelden (sb-test)" in start
    response = client.post("/abmelden", data={"csrf_token": csrf_token_of(start)})
    assert response.status_code == 302
    assert client.get("/test/nur-sachbearbeitung").status_code == 302


def test_the_development_login_page_says_it_is_for_development(app):
    page = town_client(app, "usingen").get("/anmelden/entwicklung").get_data(as_text=True)
    assert "nur für Entwicklung und Tests" in page


def test_development_login_needs_a_role(app):
    client = town_client(app, "usingen")
    token = csrf_token_of(client.get("/anmelden/entwicklung").get_data(as_text=True))
    response = client.post("/anmelden/entwicklung", data={"csrf_token": token, "username": "sb"})
    assert response.status_code == 400
    assert "mindestens eine Rolle" in response.get_data(as_text=True)
    assert _users(app) == []


def test_admin_host_logs_in_platform_users_whose_session_is_nothing_on_a_town(guarded_app):
    admin = host_client(guarded_app, "admin.localhost")
    assert admin.get("/test/nur-verbund").status_code == 302
    login_as(admin, "platform_admin", username="ikz")
    assert admin.get("/test/nur-verbund").get_data(as_text=True) == "Verbund ikz"
    with guarded_app.app_context():
        assert [u.subject for u in db.session.scalars(db.select(PlatformUser))] == ["ikz"]
    cookie = admin.get_cookie("session", domain="admin.localhost")
    town = town_client(guarded_app, "usingen")
    town.set_cookie("session", cookie.value, domain="usingen.localhost")
    assert town.get("/test/nur-sachbearbeitung").status_code == 302
    assert _users(guarded_app) == []


def test_a_town_user_is_not_a_platform_admin_on_the_admin_host(guarded_app):
    town = town_client(guarded_app, "usingen")
    login_as(town, "clerk", "tenant_admin")
    admin = host_client(guarded_app, "admin.localhost")
    admin.set_cookie("session", town.get_cookie("session", domain="usingen.localhost").value, domain="admin.localhost")
    assert admin.get("/test/nur-verbund").status_code == 302


def test_login_pages_do_not_exist_on_the_member_list_host(app):
    assert host_client(app, "localhost").get("/anmelden").status_code == 404


def test_development_login_is_a_404_in_production(tmp_path, make_app):
    production = make_app(
        tmp_path, ENV="production", SECRET_KEY="p" * 40, ALLOW_SQLITE_IN_PRODUCTION=True, ALLOW_UNSCANNED_UPLOADS=True,
        BASE_DOMAIN="amtsweg.test", TRUSTED_HOSTS=[".amtsweg.test", "amtsweg.test"],
    )
    client = host_client(production, "usingen.amtsweg.test")
    assert client.get("/anmelden/entwicklung").status_code == 404
    assert client.post("/anmelden/entwicklung", data={"username": "x", "roles": ["clerk"]}).status_code in (400, 404)
    login_page = client.get("/anmelden")
    assert login_page.status_code == 200
    assert "entwicklung" not in login_page.get_data(as_text=True)
    with production.app_context(), all_tenants_context():
        assert db.session.scalars(db.select(User)).all() == []
        db.engine.dispose()


@pytest.mark.parametrize(("roles", "heading"), [
    (["clerk"], "Vorgänge"),
    (["tenant_admin"], "Leistungen"),
    (["contracts_editor"], "Verträge"),
    (["contracts_viewer"], "Verträge"),
])
def test_a_login_without_a_target_lands_on_the_start_page_of_the_role(app, roles, heading):
    client = town_client(app, "usingen")
    page = client.get("/anmelden/entwicklung").get_data(as_text=True)
    response = client.post("/anmelden/entwicklung", data={
        "csrf_token": csrf_token_of(page), "username": "neu", "roles": roles}, follow_redirects=True)
    assert response.status_code == 200
    title = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S).group(1)
    assert heading in title


def test_citizen_pages_offer_the_staff_login_apart_from_the_citizen_account(app):
    page = town_client(app, "usingen").get("/").get_data(as_text=True)
    header, footer = page.split("<footer", 1)
    assert ">Anmelden<" not in header
    assert re.search(r'<a href="/anmelden">Anmeldung für Mitarbeitende</a>', footer)
