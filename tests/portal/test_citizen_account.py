"""Citizen accounts: login with the state account against the real test provider (npm
oidc-provider), "my applications" per town, prefilled forms, and no staff access ever."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from amtsweg.auth.citizens import SECRET_VARIABLE
from amtsweg.auth.models import CitizenAccount, User
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.tenancy import all_tenants_context
from cases.applying import csrf_of, fill_all_steps, start, submit
from conftest import recorded_statements, town_client
from support.browser import axe_violations, describe_violations
from support.oidc_provider import OidcClient, OidcProvider, citizen_client, default_clients, oidc_login
from support.services import require_executable, unavailable

pytestmark = pytest.mark.oidc

CITIZEN_CLIENT = citizen_client()


@pytest.fixture(scope="module")
def oidc_clients() -> list[OidcClient]:
    return [*default_clients(), CITIZEN_CLIENT]


@pytest.fixture(scope="module")
def oidc_provider(oidc_clients, oidc_users) -> Iterator[OidcProvider]:
    """A provider of this module's own that knows the citizen client as well."""
    provider = OidcProvider(require_executable("node"), oidc_clients, oidc_users)
    if not provider.installed:
        unavailable("the npm package oidc-provider is not installed")
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def app_overrides(oidc_provider, monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, CITIZEN_CLIENT.client_secret)
    return {"CITIZEN_OIDC_ISSUER": oidc_provider.issuer, "CITIZEN_OIDC_CLIENT_ID": CITIZEN_CLIENT.client_id}


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def citizen_login(client, username: str = "buerger", weiter: str = "/buergerkonto/"):
    """The whole flow: the app's redirect, the provider's login form, the callback on the app."""
    response = client.get("/buergerkonto/anmelden", query_string={"weiter": weiter})
    assert response.status_code == 302
    callback = oidc_login(requests.Session(), response.headers["Location"], username)
    assert urlsplit(callback).hostname == client.host
    return client.get(_path_of(callback))


def _apply_online(client) -> str:
    fill_all_steps(client)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    return re.search(r'id="aktenzeichen">([^<]+)<', page).group(1)


def test_the_login_asks_the_state_account_with_pkce_for_name_email_and_address(app, oidc_provider):
    response = town_client(app, "usingen").get("/buergerkonto/anmelden")
    url = response.headers["Location"]
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(oidc_provider.issuer)
    assert query["client_id"] == ["amtsweg-buergerkonto"]
    assert query["redirect_uri"] == ["http://usingen.localhost/buergerkonto/rueckruf"]
    assert query["code_challenge_method"] == ["S256"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email", "address"}


def test_a_logged_in_citizen_gets_name_email_and_address_prefilled(app):
    client = town_client(app, "usingen")
    assert citizen_login(client).status_code == 302
    start(client)
    html = client.get("/antrag/hundesteuer-anmelden/schritt/1").get_data(as_text=True)
    for value in ("Erika", "Mustermann", "buerger@example.org", "Marktplatz", 'value="1"', "61250", "Usingen"):
        assert value in html, value


def test_the_account_lists_only_its_own_applications_in_this_town(app):
    citizen = town_client(app, "usingen")
    citizen_login(citizen)
    own = _apply_online(citizen)
    anonymous = _apply_online(town_client(app, "usingen"))
    page = citizen.get("/buergerkonto/").get_data(as_text=True)
    assert own in page and anonymous not in page and "Erika Mustermann" in page
    opened = citizen.get(f"/buergerkonto/vorgang/{own}")
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/vorgang/")
    status = citizen.get(opened.headers["Location"])
    assert status.status_code == 200 and own in status.get_data(as_text=True)
    assert citizen.get(f"/buergerkonto/vorgang/{anonymous}").status_code == 404


def test_opening_an_application_from_the_account_writes_nothing_and_its_link_fails_elsewhere(app):
    citizen = town_client(app, "usingen")
    citizen_login(citizen)
    own = _apply_online(citizen)
    with recorded_statements(app) as statements:
        opened = citizen.get(f"/buergerkonto/vorgang/{own}")
    assert [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))] == []
    link = opened.headers["Location"]
    assert own in town_client(app, "usingen").get(link).get_data(as_text=True)
    assert town_client(app, "schmitten").get(link).status_code == 404
    assert town_client(app, "usingen").get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 404


def test_another_towns_host_shows_none_of_the_citizens_applications(app):
    usingen = town_client(app, "usingen")
    citizen_login(usingen)
    reference = _apply_online(usingen)
    schmitten = town_client(app, "schmitten")
    schmitten._cookies = usingen._cookies  # one browser, one cookie jar
    assert "Mit Nutzerkonto anmelden" in schmitten.get("/buergerkonto/").get_data(as_text=True)
    assert schmitten.get(f"/buergerkonto/vorgang/{reference}").status_code == 404
    citizen_login(schmitten)
    page = schmitten.get("/buergerkonto/").get_data(as_text=True)
    assert reference not in page and "noch keinen Antrag" in page
    with app.app_context(), all_tenants_context():
        accounts = db.session.scalars(db.select(CitizenAccount)).all()
    assert len(accounts) == 2 and len({account.tenant_id for account in accounts}) == 2


def test_a_citizen_login_never_grants_staff_access(app):
    client = town_client(app, "usingen")
    citizen_login(client)
    workbench = client.get("/sachbearbeitung/")
    assert workbench.status_code in (302, 403, 404)
    assert "/anmelden" in workbench.headers.get("Location", "/anmelden")
    assert "Abmelden (" not in client.get("/").get_data(as_text=True)
    with app.app_context(), all_tenants_context():
        assert db.session.scalars(db.select(User)).all() == []


def test_logout_ends_the_citizen_session(app):
    client = town_client(app, "usingen")
    citizen_login(client)
    page = client.get("/buergerkonto/").get_data(as_text=True)
    response = client.post("/buergerkonto/abmelden", data={"csrf_token": csrf_of(page)})
    # The provider's logout is on another site: a page forwards there (a form may not redirect away).
    forwarding = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sie sind abgemeldet" in forwarding
    target = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', forwarding).group(1)
    assert f'href="{target}"' in forwarding and "post_logout_redirect_uri" in html_lib.unescape(target)
    assert "Mit Nutzerkonto anmelden" in client.get("/buergerkonto/").get_data(as_text=True)


def test_a_case_submitted_while_logged_in_is_linked_to_the_account(app):
    client = town_client(app, "usingen")
    citizen_login(client)
    reference = _apply_online(client)
    with app.app_context(), all_tenants_context():
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        account = db.session.scalars(db.select(CitizenAccount)).one()
        assert case.citizen_account_id == account.id
        assert account.address["postal_code"] == "61250"


def test_without_configuration_the_account_pages_do_not_exist(app):
    app.config["CITIZEN_OIDC_ISSUER"] = ""
    client = town_client(app, "usingen")
    assert client.get("/buergerkonto/").status_code == 404
    assert client.get("/buergerkonto/anmelden").status_code == 404
    assert "Nutzerkonto" not in client.get("/antrag/hundesteuer-anmelden/").get_data(as_text=True)
    assert "/buergerkonto/" not in client.get("/").get_data(as_text=True)


def test_the_header_links_to_the_citizen_account_when_configured(app):
    page = town_client(app, "usingen").get("/").get_data(as_text=True)
    assert 'href="/buergerkonto/"' in page and "Bürgerkonto" in page


@pytest.mark.browser
def test_account_pages_have_no_axe_violations(live, page):
    page.goto(live.town_url("usingen", "/buergerkonto/"))
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    page.get_by_role("link", name="Mit Nutzerkonto anmelden").click()
    page.get_by_label("Username").fill("buerger")
    page.get_by_label("Password").fill("test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/buergerkonto/$"))
    assert "Meine Anträge" in page.content()
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    page.goto(live.town_url("usingen", "/antrag/hundesteuer-anmelden/"))
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    # Logging out passes the provider's logout (another site) and comes back logged out.
    page.goto(live.town_url("usingen", "/buergerkonto/"))
    page.get_by_role("button", name="Vom Bürgerkonto abmelden").click()
    page.wait_for_url(re.compile(r"^http://usingen\.localhost:\d+/$"))
    page.goto(live.town_url("usingen", "/buergerkonto/"))
    assert page.get_by_role("link", name="Mit Nutzerkonto anmelden").count() == 1
