"""Staff login with OpenID Connect against the real test provider (npm oidc-provider)."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.oidc import FLOW_KEY, secret_variable, validate_id_token_claims
from amtsweg.extensions import db
from amtsweg.tenancy import all_tenants_context
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.resolution import directory
from conftest import TOWNS, host_client, town_client
from support.logins import csrf_token_of
from support.oidc_provider import oidc_login, oidc_logout

pytestmark = pytest.mark.oidc


@pytest.fixture
def app_overrides(oidc_provider, monkeypatch):
    for slug in [*TOWNS, "admin"]:
        monkeypatch.setenv(secret_variable(slug), f"secret-{slug}")
    return {
        "SSO_ISSUER_OVERRIDE": oidc_provider.issuer,
        "ADMIN_SSO_ISSUER": "https://idp.verbund.example",
        "ADMIN_SSO_CLIENT_ID": "amtsweg-admin",
    }


def _stored_session(client):
    return client.session_transaction(base_url=f"http://{client.host}/")


def _start(client) -> str:
    response = client.get("/anmelden/sso?weiter=/sachbearbeitung/")
    assert response.status_code == 302
    return response.headers["Location"]


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sso_login(client, username: str, browser: requests.Session | None = None):
    """Run the whole flow: the app's redirect, the provider's login, the callback on the app."""
    callback = oidc_login(browser or requests.Session(), _start(client), username)
    assert urlsplit(callback).hostname == client.host
    return client.get(_path_of(callback))


def _accounts(app, model=User):
    with app.app_context(), all_tenants_context():
        return [(row.issuer, row.subject, row.roles) for row in db.session.scalars(db.select(model))]


def _is_logged_in(client) -> bool:
    return "Abmelden (" in client.get("/").get_data(as_text=True)


def test_authorization_request_uses_pkce_s256_state_and_nonce(app, oidc_provider):
    url = _start(town_client(app, "usingen"))
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(oidc_provider.issuer)
    assert query["client_id"] == ["amtsweg-usingen"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://usingen.localhost/anmelden/rueckruf"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email", "groups"}
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32


def test_clerk_logs_in_on_their_town_and_is_provisioned_by_issuer_and_subject(app, oidc_provider):
    client = town_client(app, "usingen")
    response = sso_login(client, "clerk-usingen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sachbearbeitung/"
    assert _accounts(app) == [(oidc_provider.issuer, "sub-clerk-usingen", ["clerk"])]
    assert "Abmelden (Sabine Sachbearbeiterin)" in client.get("/").get_data(as_text=True)


def test_the_same_browser_is_not_logged_in_on_another_town(app):
    usingen = town_client(app, "usingen")
    sso_login(usingen, "clerk-usingen")
    schmitten = town_client(app, "schmitten")
    schmitten._cookies = usingen._cookies  # one browser, one cookie jar
    assert not _is_logged_in(schmitten)
    assert _is_logged_in(usingen)


def test_a_usingen_session_cookie_replayed_on_schmitten_is_useless(app):
    usingen = town_client(app, "usingen")
    sso_login(usingen, "clerk-usingen")
    schmitten = town_client(app, "schmitten")
    schmitten.set_cookie("session", usingen.get_cookie("session", domain="usingen.localhost").value,
                         domain="schmitten.localhost")
    assert not _is_logged_in(schmitten)


def test_a_person_without_a_staff_group_is_refused_and_not_provisioned(app):
    client = town_client(app, "usingen")
    response = sso_login(client, "buerger")
    assert response.status_code == 403
    assert "keine Rolle" in response.get_data(as_text=True)
    assert _accounts(app) == []
    assert not _is_logged_in(client)


def test_roles_follow_the_towns_mapping_and_are_re_evaluated_at_each_login(app):
    client = town_client(app, "usingen")
    browser = requests.Session()
    sso_login(client, "clerk-usingen", browser)
    with app.app_context():
        tenant = db.session.scalars(db.select(Tenant).filter_by(slug="usingen")).one()
        settings = dict(tenant.settings)
        settings["sso"] = {**settings["sso"], "role_mapping": {"usingen/sachbearbeitung": ["team_lead", "clerk"]}}
        tenant.settings = settings
        db.session.commit()
    directory.invalidate()
    sso_login(client, "clerk-usingen", browser)
    assert [roles for *_, roles in _accounts(app)] == [["clerk", "team_lead"]]


def test_a_callback_cannot_be_replayed(app):
    client = town_client(app, "usingen")
    callback = oidc_login(requests.Session(), _start(client), "clerk-usingen")
    assert client.get(_path_of(callback)).status_code == 302
    client.post("/abmelden", data={"csrf_token": csrf_token_of(client.get("/").get_data(as_text=True))})
    replay = client.get(_path_of(callback))
    assert replay.status_code == 400
    assert "nicht bestätigt" in replay.get_data(as_text=True)
    assert not _is_logged_in(client)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda query: {**query, "state": ["gefälscht"]},
        lambda query: {k: v for k, v in query.items() if k != "state"},
        lambda query: {**query, "code": ["gefälschter-code"]},
        lambda query: {"error": ["access_denied"], "state": query["state"]},
        lambda query: {**query, "iss": ["https://fremder-anbieter.example"]},
    ],
    ids=["wrong-state", "no-state", "forged-code", "error-response", "other-iss"],
)
def test_forged_callback_parameters_are_refused_without_provisioning(app, tamper):
    client = town_client(app, "usingen")
    callback = oidc_login(requests.Session(), _start(client), "clerk-usingen")
    query = tamper(parse_qs(urlsplit(callback).query))
    response = client.get("/anmelden/rueckruf?" + urlencode(query, doseq=True))
    assert response.status_code == 400
    assert "Anmeldung nicht möglich" in response.get_data(as_text=True)
    assert _accounts(app) == []


def test_a_callback_without_a_started_login_is_refused(app):
    response = town_client(app, "usingen").get("/anmelden/rueckruf?code=abc&state=def")
    assert response.status_code == 400
    assert _accounts(app) == []


def test_an_id_token_with_another_nonce_is_refused(app):
    client = town_client(app, "usingen")
    callback = oidc_login(requests.Session(), _start(client), "clerk-usingen")
    with _stored_session(client) as stored:
        stored[FLOW_KEY] = {**stored[FLOW_KEY], "nonce": "ein-anderer-nonce"}
    assert client.get(_path_of(callback)).status_code == 400
    assert _accounts(app) == []


def test_a_code_issued_to_another_towns_client_is_refused(app):
    usingen = town_client(app, "usingen")
    usingen_callback = oidc_login(requests.Session(), _start(usingen), "clerk-usingen")
    schmitten_callback = oidc_login(requests.Session(), _start(town_client(app, "schmitten")), "clerk-schmitten")
    schmitten_code = parse_qs(urlsplit(schmitten_callback).query)["code"][0]
    query = {**parse_qs(urlsplit(usingen_callback).query), "code": [schmitten_code]}
    response = usingen.get("/anmelden/rueckruf?" + urlencode(query, doseq=True))
    assert response.status_code == 400
    assert _accounts(app) == []


def test_a_provider_announcing_another_issuer_is_refused(app, app_overrides, oidc_provider):
    # Same server, but configured under another spelling: discovery names a different issuer.
    app.config["SSO_ISSUER_OVERRIDE"] = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    response = town_client(app, "usingen").get("/anmelden/sso")
    assert response.status_code == 400
    assert "anderen Adresse" in response.get_data(as_text=True)


def test_logout_after_sso_ends_the_session_at_the_provider_too(app, oidc_provider):
    client = town_client(app, "usingen")
    browser = requests.Session()
    sso_login(client, "clerk-usingen", browser)
    response = client.post("/abmelden", data={"csrf_token": csrf_token_of(client.get("/").get_data(as_text=True))})
    # The provider's logout is on another site, reached through a forwarding page (form-action 'self').
    forwarding = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sie sind abgemeldet" in forwarding
    end_session = html.unescape(re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', forwarding).group(1))
    assert end_session.startswith(oidc_provider.issuer)
    assert parse_qs(urlsplit(end_session).query)["post_logout_redirect_uri"] == ["http://usingen.localhost/"]
    assert oidc_logout(browser, end_session) == "http://usingen.localhost/"
    assert not _is_logged_in(client)
    # Signed out at the provider as well: the next login asks for the password again.
    page = browser.get(_start(client), timeout=10)
    assert 'name="password"' in page.text


def test_platform_administrator_logs_in_on_the_admin_host_only_as_platform_user(app, oidc_provider):
    admin = host_client(app, "admin.localhost")
    response = sso_login(admin, "ikz-admin")
    assert response.status_code == 302
    assert _accounts(app, PlatformUser) == [(oidc_provider.issuer, "sub-ikz-admin", ["platform_admin"])]
    assert _accounts(app) == []


def test_a_town_clerk_gets_no_platform_account(app):
    response = sso_login(host_client(app, "admin.localhost"), "clerk-usingen")
    assert response.status_code == 403
    assert _accounts(app, PlatformUser) == []


def _claims(**changes):
    now = int(time.time())
    claims = {"iss": "https://idp.example", "aud": "amtsweg-usingen", "sub": "s1", "exp": now + 300,
              "iat": now, "nonce": "n1"}
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://anderer-anbieter.example"},
        {"aud": "amtsweg-schmitten"},
        {"aud": ["amtsweg-usingen", "amtsweg-schmitten"], "azp": "amtsweg-schmitten"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "n2"},
        {"nonce": None},
        {"sub": None},
    ],
    ids=["other-issuer", "other-client", "other-azp", "expired", "wrong-nonce", "no-nonce", "no-subject"],
)
def test_id_token_claims_are_checked(changes):
    with pytest.raises(Exception):  # noqa: B017 - joserfc raises one error class per claim
        validate_id_token_claims(_claims(**changes), "https://idp.example", "amtsweg-usingen", "n1")


def test_valid_id_token_claims_pass():
    claims = _claims(aud=["amtsweg-usingen"])
    assert validate_id_token_claims(claims, "https://idp.example", "amtsweg-usingen", "n1") == claims
