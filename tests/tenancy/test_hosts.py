"""Host resolution fails closed: a town's host shows that town, anything unknown is a 404."""

import re

import pytest
from conftest import TOWNS


@pytest.mark.parametrize("slug", TOWNS)
def test_each_town_is_served_on_its_own_subdomain(client_for, slug):
    response = client_for(slug).get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    official = {"neu-anspach": "Stadt Neu-Anspach", "usingen": "Stadt Usingen",
                "graevenwiesbach": "Gemeinde Grävenwiesbach", "schmitten": "Gemeinde Schmitten",
                "glashuetten": "Gemeinde Glashütten"}[slug]
    assert official in page
    for other in TOWNS:
        if other != slug:
            assert f"/{other}" not in page


def test_usingen_host_with_port_shows_usingen_and_not_neu_anspach(app):
    response = app.test_client().get("/", headers={"Host": "usingen.localhost:5000"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stadt Usingen" in page
    assert "Neu-Anspach" not in page


@pytest.mark.parametrize(
    "host", ["USINGEN.LOCALHOST", "Usingen.Localhost:5000", "usingen.localhost.", "usingen.localhost.:80"]
)
def test_upper_case_ports_and_trailing_dots_resolve_to_the_same_town(app, host):
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 200
    assert "Stadt Usingen" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "localhost.evil.example",
        "usingen.localhost.evil.example",
        "nicht-da.localhost",
        "x.usingen.localhost",
        "usingen",
        "127.0.0.1:5000",
        "[::1]:5000",
        "usingen..localhost",
        "usin gen.localhost",
        "usingen.localhost:abc",
        "-usingen.localhost",
    ],
)
def test_unknown_or_malformed_hosts_get_404_without_any_town_data(app, host):
    response = app.test_client().get("/", headers={"Host": host})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    for word in ("Usingen", "Neu-Anspach", "Schmitten", "Glashütten", "Grävenwiesbach"):
        assert word not in page
    assert "Seite nicht gefunden" in page


def test_forwarded_host_is_ignored_unless_a_proxy_is_configured(app):
    response = app.test_client().get(
        "/", headers={"Host": "usingen.localhost", "X-Forwarded-Host": "schmitten.localhost"}
    )
    page = response.get_data(as_text=True)
    assert "Stadt Usingen" in page
    assert "Schmitten" not in page


def test_forwarded_host_is_used_behind_a_configured_proxy(tmp_path, make_app):
    app = make_app(tmp_path, PROXY_COUNT=1)
    response = app.test_client().get(
        "/", headers={"Host": "10.0.0.5", "X-Forwarded-Host": "schmitten.localhost"}
    )
    assert response.status_code == 200
    assert "Gemeinde Schmitten" in response.get_data(as_text=True)


def test_spoofed_forwarded_host_to_an_unknown_host_is_404_behind_a_proxy(tmp_path, make_app):
    app = make_app(tmp_path, PROXY_COUNT=1)
    response = app.test_client().get("/", headers={"Host": "usingen.localhost", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 404


def test_base_domain_lists_the_member_towns_with_links(app):
    response = app.test_client().get("/", headers={"Host": "localhost:5000"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for slug in TOWNS:
        assert f"//{slug}.localhost:5000/" in page


def test_admin_host_leads_to_the_cross_town_admin(app):
    client = app.test_client()
    response = client.get("/", headers={"Host": "admin.localhost"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/uebersicht")


def test_admin_pages_are_404_on_a_town_host(client_for):
    assert client_for("usingen").get("/uebersicht").status_code == 404


def test_town_pages_are_404_on_the_admin_and_base_hosts(app):
    client = app.test_client()
    assert client.get("/impressum", headers={"Host": "admin.localhost"}).status_code == 404
    assert client.get("/impressum", headers={"Host": "localhost"}).status_code == 404


def test_hosts_outside_trusted_hosts_are_404_not_400(tmp_path, make_app):
    app = make_app(tmp_path, TRUSTED_HOSTS=[".localhost", "localhost"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 404
    assert client.get("/", headers={"Host": "usingen.localhost"}).status_code == 200
    # A load balancer probing by IP still gets its health answer, and nothing else.
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).json["status"] == "ok"
    assert client.get("/", headers={"Host": "10.0.0.7:8000"}).status_code == 404


def test_the_cross_town_overview_needs_a_platform_admin(app):
    from conftest import host_client
    from support.logins import login_as

    client = host_client(app, "admin.localhost")
    response = client.get("/uebersicht")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
    login_as(client, "platform_admin", username="ikz-admin")
    page = client.get("/uebersicht").get_data(as_text=True)
    assert "Gemeinde Glashütten" in page and "Stadt Usingen" in page


def test_an_unknown_towns_404_page_loads_the_shared_stylesheets_on_its_own_host(app):
    client = app.test_client()
    page = client.get("/", headers={"Host": "nicht-da.localhost"}).get_data(as_text=True)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert "/static/css/amtsweg.css" in stylesheets
    for href in stylesheets:
        response = client.get(href, headers={"Host": "nicht-da.localhost"})
        assert response.status_code == 200, href
        assert response.mimetype == "text/css"
    # Town pages stay a 404 there.
    assert client.get("/leistungen", headers={"Host": "nicht-da.localhost"}).status_code == 404


def test_an_unknown_towns_404_page_switches_to_english(app):
    client = app.test_client()
    switch = client.get("/sprache/en?weiter=/", headers={"Host": "nicht-da.localhost"})
    assert switch.status_code == 302 and switch.headers["Location"] == "/"
    page = client.get("/", headers={"Host": "nicht-da.localhost"})
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)
