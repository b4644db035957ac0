"""A real OpenID Connect provider (npm ``oidc-provider``, see ``oidc/server.mjs``) for the tests.

Clients and users are fixed when the provider starts. A registered redirect URI may contain
``*`` wildcards, so the default client of each town accepts any callback on a host of that town
(``http://usingen.*`` matches ``http://usingen.amtsweg.test/…`` and
``http://usingen.localhost:5123/…``), whatever host name and port the app under test uses.

Every user signs in with :data:`TEST_PASSWORD`; consent is granted automatically.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .html_forms import only_form
from .process import ServiceProcess, ServiceStartError

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"
TEST_PASSWORD = "test-password"
MAX_REDIRECTS = 20
INSTALL_HINT = "run npm ci --prefix tests/support/oidc"


@dataclass(frozen=True)
class OidcClient:
    """One registered relying party (confidential, authorization code with PKCE S256)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    token_endpoint_auth_method: str = "client_secret_basic"


@dataclass(frozen=True)
class OidcUser:
    """A person who can sign in with ``username`` and :data:`TEST_PASSWORD`."""

    username: str
    sub: str
    claims: dict[str, Any]


def town_slugs() -> list[str]:
    return sorted(p.name for p in TENANTS_DIR.iterdir() if (p / "tenant.toml").is_file())


def client_for_host_prefix(prefix: str) -> OidcClient:
    """Client ``amtsweg-<prefix>`` accepting redirects to any ``<prefix>.*`` host."""
    uris = [f"http://{prefix}.*", f"https://{prefix}.*"]
    return OidcClient(f"amtsweg-{prefix}", f"secret-{prefix}", uris, post_logout_redirect_uris=uris)


def default_clients() -> list[OidcClient]:
    """One client per town folder under ``tenants/`` plus ``amtsweg-admin`` for the admin host."""
    return [client_for_host_prefix(prefix) for prefix in [*town_slugs(), "admin"]]


def citizen_client() -> OidcClient:
    """The state account's one client for every town, its redirect URIs on each town's host."""
    uris = [uri for slug in town_slugs() for uri in client_for_host_prefix(slug).redirect_uris]
    return OidcClient("amtsweg-buergerkonto", "secret-buergerkonto", uris, post_logout_redirect_uris=uris)


def _person(username: str, given_name: str, family_name: str, groups: list[str]) -> OidcUser:
    return OidcUser(
        username,
        f"sub-{username}",
        {
            "name": f"{given_name} {family_name}",
            "given_name": given_name,
            "family_name": family_name,
            "email": f"{username}@example.org",
            "email_verified": True,
            "groups": groups,
        },
    )


def default_users() -> list[OidcUser]:
    """A citizen, and per town a clerk and a town administrator, plus a cross-town administrator
    and a person working for two towns.

    Groups name the town and the role as one identity provider of a cooperation would:
    ``usingen/sachbearbeitung``; the cross-town administrators' group is ``platform_admin``.
    """
    citizen = _person("buerger", "Erika", "Mustermann", [])
    citizen.claims["address"] = {
        "street_address": "Marktplatz 1",
        "postal_code": "61250",
        "locality": "Usingen",
        "country": "DE",
    }
    users = [
        citizen,
        _person("ikz-admin", "Iris", "Kreisweit", ["platform_admin"]),
        # Works for two towns: a clerk in Usingen and the administrator of Schmitten.
        _person("zwei-kommunen", "Karl", "Kreisel", ["usingen/sachbearbeitung", "schmitten/tenant_admin"]),
    ]
    for slug in town_slugs():
        users.append(_person(f"clerk-{slug}", "Sabine", "Sachbearbeiterin", [f"{slug}/sachbearbeitung"]))
        users.append(_person(f"admin-{slug}", "Volker", "Verwalter", [f"{slug}/tenant_admin"]))
    return users


class OidcProvider:
    """The running provider; ``issuer`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, node: str, clients: list[OidcClient], users: list[OidcUser]) -> None:
        self.node = node
        self.clients = {client.client_id: client for client in clients}
        self.users = {user.username: user for user in users}
        self.password = TEST_PASSWORD
        self.issuer = ""
        self.root: Path | None = None
        self.service: ServiceProcess | None = None

    @property
    def installed(self) -> bool:
        return (OIDC_DIR / "node_modules" / "oidc-provider").is_dir()

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def client(self, client_id: str) -> OidcClient:
        return self.clients[client_id]

    def start(self) -> None:
        if not self.installed:
            raise ServiceStartError(f"the npm package oidc-provider is not installed: {INSTALL_HINT}")
        self.root = Path(tempfile.mkdtemp(prefix="amtsweg-oidc-"))
        config = self.root / "config.json"
        config.write_text(
            json.dumps(
                {
                    "password": self.password,
                    "clients": [asdict(client) for client in self.clients.values()],
                    "users": {
                        user.username: {"sub": user.sub, "claims": user.claims}
                        for user in self.users.values()
                    },
                }
            ),
            encoding="utf-8",
        )
        self.service = ServiceProcess(
            "oidc-provider",
            [self.node, str(OIDC_DIR / "server.mjs"), str(config)],
            self.root / "oidc-provider.log",
            cwd=OIDC_DIR,
            keep_stdin_open=True,
        )
        try:
            self.service.start()
            self.service.wait_until(self._announced_issuer)
            self.service.wait_until(self._serves_discovery)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _announced_issuer(self) -> bool:
        assert self.service is not None
        match = re.search(r"^READY (\S+)$", self.service.log_tail(), re.MULTILINE)
        if match:
            self.issuer = match.group(1)
        return bool(match)

    def _serves_discovery(self) -> bool:
        try:
            return requests.get(self.discovery_url, timeout=2).ok
        except requests.ConnectionError:
            return False


def _request_until_away(
    session: requests.Session, url: str, form: dict[str, str] | None = None
) -> str | requests.Response:
    """GET ``url`` (POST ``form`` if given) and follow redirects while they stay on the provider.

    Returns the first URL outside the provider, or the provider's page where the redirects end.
    """
    origin = _origin_of(url)
    if form is None:
        response = session.get(url, allow_redirects=False, timeout=10)
    else:
        response = session.post(url, data=form, allow_redirects=False, timeout=10)
    for _ in range(MAX_REDIRECTS):
        if not response.is_redirect:
            if response.status_code >= 400:
                raise AssertionError(
                    f"provider answered {response.status_code} at {response.url}:\n{response.text[:2000]}"
                )
            return response
        location = urljoin(response.url, response.headers["Location"])
        if _origin_of(location) != origin:
            return location
        response = session.get(location, allow_redirects=False, timeout=10)
    raise AssertionError(f"more than {MAX_REDIRECTS} redirects from the provider")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def oidc_login(
    session: requests.Session, authorize_url: str, username: str, password: str = TEST_PASSWORD
) -> str:
    """Sign ``username`` in at the provider and return the callback URL (with code and state).

    The callback is not requested, so a test can hand it to the Flask test client. When the
    session is already signed in at the provider, no form is posted.
    """
    result = _request_until_away(session, authorize_url)
    if isinstance(result, str):
        return result
    action, fields = only_form(result)
    result = _request_until_away(session, action, {**fields, "login": username, "password": password})
    if isinstance(result, str):
        return result
    raise AssertionError(f"login of {username!r} did not redirect back:\n{result.text[:2000]}")


def oidc_logout(session: requests.Session, end_session_url: str) -> str:
    """Confirm an RP-initiated logout and return the post-logout redirect URL (not requested)."""
    result = _request_until_away(session, end_session_url)
    if isinstance(result, str):
        return result
    action, fields = only_form(result)
    result = _request_until_away(session, action, {**fields, "logout": "yes"})
    if isinstance(result, str):
        return result
    # Without post_logout_redirect_uri the provider shows its own "signed out" page.
    return result.url
