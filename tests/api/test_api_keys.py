"""Who may call the API: a key of the host's town with the operation's scope, unrevoked and
unexpired; cookies count for nothing. Every call made with a key of the town is audited, the key's
last use is kept, and each key has its own rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from amtsweg.audit.models import AuditEvent
from amtsweg.auth import api_tokens
from amtsweg.auth.models import ApiToken
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from api.helpers import api, issue_key
from conftest import tenant_info, town_client
from sqlalchemy import select, update
from support.logins import login_as
from workbench.case_factory import make_case


def _problem(response, status, kind):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith(f"#problem-{kind}")
    return response.get_json()


def _token_id(key):
    return key.split(".")[1]


def test_calls_without_a_key_or_with_a_malformed_one_are_401_with_a_challenge(app):
    reference = make_case(app, "usingen", 1)
    for authorization in (None, "Bearer", "Basic dXNlcjpwdw==", "Bearer amtsweg.kurz.x", "Bearer falsch",
                          "Bearer amtsweg.0123456789abcdef.geheim"):
        client = town_client(app, "usingen")
        headers = {"Authorization": authorization} if authorization else {}
        response = client.get(f"/api/v1/cases/{reference}", headers=headers)
        body = _problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="amtsweg"'
        assert reference not in response.get_data(as_text=True) and body["errors"] == []


def test_a_key_of_another_town_is_unknown_here(app):
    reference = make_case(app, "usingen", 1)
    key = issue_key(app, "schmitten")
    _problem(api(app, "usingen", key).get(f"/cases/{reference}"), 401, "unauthorized")
    assert api(app, "schmitten", key).get("/cases").status_code == 200


def test_revoked_and_expired_keys_are_refused_and_the_refusal_is_audited(app):
    key = issue_key(app, "usingen")
    client = api(app, "usingen", key)
    assert client.get("/cases").status_code == 200
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        api_tokens.revoke(_token_id(key), "Verwaltung")
    _problem(client.get("/cases"), 401, "unauthorized")
    expiring = issue_key(app, "usingen")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.execute(update(ApiToken).where(ApiToken.id == _token_id(expiring))
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    _problem(api(app, "usingen", expiring).get("/cases"), 401, "unauthorized")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        calls = db.session.execute(select(AuditEvent.object_id, AuditEvent.details).where(
            AuditEvent.action == "api.call").order_by(AuditEvent.id)).all()
    assert [(object_id, details["status"]) for object_id, details in calls] == [
        (_token_id(key), 200), (_token_id(key), 401), (_token_id(expiring), 401)]


def test_a_key_without_the_operations_scope_is_403_and_names_the_scope(app):
    reference = make_case(app, "usingen", 1)
    client = api(app, "usingen", scopes=("catalogue:read",))
    body = _problem(client.get(f"/cases/{reference}"), 403, "missing-scope")
    assert "cases:read" in body["detail"]
    assert client.get("/catalogue").status_code == 200
    reader = api(app, "usingen", scopes=("cases:read",), roles=())
    _problem(reader.post(f"/cases/{reference}/transitions", json={"transition": "start"}), 403, "missing-scope")


def test_a_staff_session_cookie_does_not_authenticate_and_the_api_sets_no_cookie(app):
    reference = make_case(app, "usingen", 1)
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", "team_lead", "tenant_admin")
    assert clerk.get("/sachbearbeitung/").status_code == 200
    response = clerk.get(f"/api/v1/cases/{reference}")
    _problem(response, 401, "unauthorized")
    assert "Set-Cookie" not in response.headers
    key = issue_key(app, "usingen")
    with_key = clerk.get("/api/v1/cases", headers={"Authorization": f"Bearer {key}"})
    assert with_key.status_code == 200 and "Set-Cookie" not in with_key.headers


def test_a_post_with_a_key_needs_no_csrf_token(app):
    reference = make_case(app, "usingen", 1)
    answer = api(app, "usingen").post(f"/cases/{reference}/transitions", json={"transition": "start"})
    assert answer.status_code == 200


def test_every_call_with_a_key_is_audited_and_its_last_use_kept(app):
    reference = make_case(app, "usingen", 1)
    key = issue_key(app, "usingen", name="DMS")
    client = api(app, "usingen", key)
    client.get(f"/cases/{reference}")
    client.get("/cases/US-2026-999999")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        calls = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")
                                   .order_by(AuditEvent.id)).all()
        token = api_tokens.token_by_id(_token_id(key))
        assert token.last_used_at is not None
    assert [(c.actor, c.details["method"], c.details["path"], c.details["status"]) for c in calls] == [
        ("API: DMS", "GET", f"/api/v1/cases/{reference}", 200),
        ("API: DMS", "GET", "/api/v1/cases/US-2026-999999", 404),
    ]
