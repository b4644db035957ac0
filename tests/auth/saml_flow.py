"""Logging in through the local SAML identity provider with the Flask test client, as a browser does.

The IdP's page posts the response to the town's assertion consumer from another site, so the
browser sends no session cookie with that POST (SameSite=Lax); :func:`post_as_idp` uses a client
without cookies for it, and the browser's own client follows the redirect that finishes the login.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cases.applying import csrf_of
from conftest import host_client
from flask import Flask
from support.saml_idp import SamlSimulator, answer_at_idp

# Towns whose tenant.toml chooses the SAML login; Neu-Anspach also offers Mein Unternehmenskonto.
SAML_TOWN = "neu-anspach"
OTHER_SAML_TOWN = "glashuetten"


def register_towns(app: Flask, simulator: SamlSimulator, *slugs: str, port: int | None = None) -> None:
    """Register the towns' service provider metadata with the simulator (BundID's self-service portal);
    ``port`` when the app is served on one (a live server for the browser)."""
    for slug in slugs:
        metadata = host_client(app, f"{slug}.localhost{f':{port}' if port else ''}").get("/anmelden/saml/metadata.xml")
        assert metadata.status_code == 200, metadata.get_data(as_text=True)[:500]
        simulator.register(metadata.get_data(as_text=True))


def start_login(client: Any, niveau: int = 1, konto: str = "bundid", weiter: str = "/buergerkonto/") -> str:
    """The login page and its button; returns the IdP URL carrying the signed AuthnRequest."""
    page = client.get("/anmelden/saml/", query_string={"niveau": niveau, "konto": konto, "weiter": weiter})
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    response = client.post("/anmelden/saml/", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "konto": konto, "niveau": str(niveau), "weiter": weiter,
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def post_as_idp(app: Flask, action: str, fields: dict[str, str]) -> Any:
    """The IdP page's cross-site POST: no cookies go with it."""
    parts = urlsplit(action)
    return host_client(app, parts.netloc).post(parts.path, data=fields)


def finish(client: Any, acs_response: Any) -> Any:
    """Follow the assertion consumer's redirect in the browser (with its session)."""
    assert acs_response.status_code == 303, acs_response.get_data(as_text=True)[:2000]
    assert "Set-Cookie" not in acs_response.headers, "the assertion consumer must not touch the session"
    location = urlsplit(acs_response.headers["Location"])
    return client.get(location.path, query_string=location.query)


def saml_login(app: Flask, client: Any, person: str = "erika-eid", behaviour: str = "", niveau: int = 1,
               konto: str = "bundid", weiter: str = "/buergerkonto/") -> Any:
    """The whole login; returns the response of the page that finishes it (a redirect when accepted)."""
    action, fields = answer_at_idp(start_login(client, niveau, konto, weiter), person, behaviour)
    return finish(client, post_as_idp(app, action, fields))
