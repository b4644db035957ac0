"""Login with OpenID Connect: authorization code flow with PKCE (S256), state and nonce.

Staff log in with it (below), and citizens with the state account (:mod:`amtsweg.auth.citizens`);
both use :func:`begin` and :func:`complete_claims`.

One client per town (``[sso]`` in tenant.toml) and one for the admin host (settings
``ADMIN_SSO_ISSUER`` / ``ADMIN_SSO_CLIENT_ID``). Client secrets come from the environment:
``AMTSWEG_SSO_SECRET_<SLUG>`` (upper case, hyphens as underscores) and ``AMTSWEG_SSO_SECRET_ADMIN``.

The issuer is pinned: the discovery document and every ID token must name exactly the configured
issuer, and the token's audience must be this site's client. Accounts are keyed by (issuer, sub).
Every failure raises :class:`LoginRefused` with a message for the person trying to log in.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, g, session
from flask_babel import gettext
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from amtsweg.auth.roles import (
    PLATFORM_GROUPS,
    PLATFORM_ROLES,
    TOWN_ROLES,
    other_towns_groups,
    roles_from_groups,
    town_role_mapping,
)
from amtsweg.auth.services import Identity
from amtsweg.cleaning import strip_controls
from amtsweg.errors import DomainError

SCOPES = "openid profile email groups"
FLOW_KEY = "oidc_flow"
FLOW_MAX_AGE = 600  # seconds between leaving for the provider and coming back
HTTP_TIMEOUT = 10
METADATA_TTL = 3600
CLOCK_LEEWAY = 60
SIGNING_ALGORITHMS = ["RS256", "PS256", "ES256"]


class LoginRefused(DomainError):
    """The login cannot be completed; ``message`` is shown to the person, ``status`` is the page's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ProviderConfig:
    """An identity provider and this site's client there, and what a login asks it for."""

    issuer: str
    client_id: str
    client_secret: str
    role_mapping: dict[str, list[str]] = field(default_factory=dict, hash=False)
    allowed_roles: tuple[str, ...] = ()
    scopes: str = SCOPES
    # A claim the login needs; when the ID token lacks it, the userinfo endpoint is asked.
    userinfo_claim: str = "groups"
    # Session key of a running login: a staff and a citizen login never read each other's flow.
    flow_key: str = FLOW_KEY
    # The town whose host this login is for (None on the admin host and for citizens).
    town_slug: str | None = None
    town_name: str = ""


def secret_variable(slug: str) -> str:
    """Name of the environment variable holding the client secret of a town (or ``admin``)."""
    return "AMTSWEG_SSO_SECRET_" + slug.upper().replace("-", "_")


def _issuer(configured: str) -> str:
    override = current_app.config["SSO_ISSUER_OVERRIDE"]
    # The override points the test suite at its own provider; it never applies outside testing.
    if override and current_app.config["ENV"] == "testing":
        return override
    return configured


def provider_for_site() -> ProviderConfig | None:
    """The SSO configuration of this request's site, or None when SSO is not configured there."""
    site = g.get("site")
    if site is None:
        return None
    town: str | None = None
    allowed: tuple[str, ...]
    if site.kind == "tenant":
        sso = site.tenant.settings.get("sso") or {}
        issuer, client_id, slug = _issuer(sso.get("issuer", "")), sso.get("client_id", ""), site.tenant.slug
        # A town's roles come only from its own groups (tenant.toml may name them itself).
        mapping, allowed, town = sso.get("role_mapping") or town_role_mapping(slug), TOWN_ROLES, slug
    elif site.kind == "admin":
        config = current_app.config
        issuer, client_id, slug = _issuer(config["ADMIN_SSO_ISSUER"]), config["ADMIN_SSO_CLIENT_ID"], "admin"
        mapping, allowed = PLATFORM_GROUPS, PLATFORM_ROLES
    else:
        return None
    secret = os.environ.get(secret_variable(slug), "")
    if not (issuer and client_id and secret):
        return None
    return ProviderConfig(issuer.rstrip("/"), client_id, secret, mapping, allowed, town_slug=town,
                          town_name=site.tenant.name if site.tenant else "")


class _MetadataCache:
    """Discovery documents and key sets per issuer, fetched at most once an hour per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, dict[str, Any], KeySetSerialization]] = {}

    def get(self, issuer: str, refresh: bool = False) -> tuple[dict[str, Any], KeySetSerialization]:
        with self._lock:
            entry = self._entries.get(issuer)
        if entry and not refresh and time.monotonic() - entry[0] < METADATA_TTL:
            return entry[1], entry[2]
        metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
        if metadata.get("issuer", "").rstrip("/") != issuer:
            raise LoginRefused(gettext("Der Anmeldedienst meldet sich mit einer anderen Adresse als der "
                                       "eingerichteten. Die Anmeldung wurde aus Sicherheitsgründen abgebrochen."))
        # The provider's JSON as a key set; import_key_set refuses it when it is not one.
        jwks = cast(KeySetSerialization, _get_json(metadata["jwks_uri"]))
        with self._lock:
            self._entries[issuer] = (time.monotonic(), metadata, jwks)
        return metadata, jwks


metadata_cache = _MetadataCache()


def _unreachable() -> LoginRefused:
    return LoginRefused(gettext("Der Anmeldedienst ist zurzeit nicht erreichbar. Bitte versuchen Sie es "
                                "später noch einmal."), status=503)


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        current_app.logger.warning("OIDC request to %s failed: %s", url, exc)
        raise _unreachable() from exc


def begin(provider: ProviderConfig, redirect_uri: str, next_path: str) -> str:
    """Remember state, nonce and PKCE verifier in the session; return the provider's authorize URL."""
    metadata, _ = metadata_cache.get(provider.issuer)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), generate_token(64)
    session[provider.flow_key] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "next": next_path,
        "started_at": int(time.time()),
    }
    client = OAuth2Session(
        provider.client_id, scope=provider.scopes, redirect_uri=redirect_uri, code_challenge_method="S256"
    )
    url, _ = client.create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    return url


def _refused_protocol() -> LoginRefused:
    return LoginRefused(gettext("Die Anmeldung konnte nicht bestätigt werden. Bitte starten Sie die Anmeldung "
                                "noch einmal über „Anmelden“."))


def complete(provider: ProviderConfig, args: dict[str, str]) -> tuple[Identity, str]:
    """Complete a staff login; returns the identity (with its roles) and the next path."""
    claims, next_path = complete_claims(provider, args)
    return _identity(provider, claims), next_path


def complete_claims(provider: ProviderConfig, args: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Check the callback, exchange the code and validate the ID token; returns its claims (with
    userinfo when the ID token lacks ``provider.userinfo_claim``) and the next path.

    The stored flow is removed first, so a callback can be used only once.
    """
    flow = session.pop(provider.flow_key, None)
    state = args.get("state", "")
    expected = str(flow.get("state", "")) if isinstance(flow, dict) else ""
    # Bytes: compare_digest refuses non-ASCII str, and a forged state may contain anything.
    if not expected or not hmac.compare_digest(state.encode(), expected.encode()):
        raise _refused_protocol()
    if time.time() - flow.get("started_at", 0) > FLOW_MAX_AGE:
        raise _refused_protocol()
    if flow.get("issuer") != provider.issuer or flow.get("client_id") != provider.client_id:
        raise _refused_protocol()
    if args.get("error"):
        raise LoginRefused(gettext("Der Anmeldedienst hat die Anmeldung abgelehnt oder sie wurde abgebrochen."))
    if args.get("iss") and args["iss"].rstrip("/") != provider.issuer:
        raise _refused_protocol()
    code = args.get("code", "")
    if not code:
        raise _refused_protocol()
    metadata, _ = metadata_cache.get(provider.issuer)
    client = OAuth2Session(
        provider.client_id, provider.client_secret, redirect_uri=flow["redirect_uri"], scope=provider.scopes
    )
    try:
        token = client.fetch_token(
            metadata["token_endpoint"], grant_type="authorization_code", code=code,
            code_verifier=flow["verifier"], timeout=HTTP_TIMEOUT,
        )
    except (OAuthError, ValueError, requests.HTTPError) as exc:
        current_app.logger.info("OIDC token exchange refused: %s", exc)
        raise _refused_protocol() from exc
    except requests.RequestException as exc:
        raise _unreachable() from exc
    id_token = token.get("id_token")
    if not id_token:
        raise _refused_protocol()
    claims = _validated_claims(provider, id_token, flow["nonce"])
    if provider.userinfo_claim not in claims and metadata.get("userinfo_endpoint"):
        claims = {**_userinfo(metadata["userinfo_endpoint"], token.get("access_token", ""), claims["sub"]), **claims}
    return claims, flow["next"]


def _validated_claims(provider: ProviderConfig, id_token: str, nonce: str) -> dict[str, Any]:
    _, jwks = metadata_cache.get(provider.issuer)
    try:
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=SIGNING_ALGORITHMS)
        except JoseError:
            # The provider may have rotated its keys since they were cached.
            _, jwks = metadata_cache.get(provider.issuer, refresh=True)
            decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=SIGNING_ALGORITHMS)
        return validate_id_token_claims(decoded.claims, provider.issuer, provider.client_id, nonce)
    except (JoseError, ValueError) as exc:
        current_app.logger.info("OIDC ID token refused: %s", exc)
        raise _refused_protocol() from exc


def validate_id_token_claims(claims: dict[str, Any], issuer: str, client_id: str, nonce: str) -> dict[str, Any]:
    """Check issuer, audience (and azp), expiry, issue time, subject and nonce of decoded ID token claims."""
    registry = jwt.JWTClaimsRegistry(
        leeway=CLOCK_LEEWAY,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    registry.validate(claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise ValueError("azp does not name this client")
    return dict(claims)


def _userinfo(endpoint: str, access_token: str, subject: str) -> dict[str, Any]:
    try:
        response = requests.get(endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _unreachable() from exc
    # Userinfo about someone else must never be merged into this login.
    if info.get("sub") != subject:
        raise _refused_protocol()
    return info


def _identity(provider: ProviderConfig, claims: dict[str, Any]) -> Identity:
    raw_groups = claims.get("groups") or []
    if isinstance(raw_groups, str):
        raw_groups = [raw_groups]
    groups = [group for group in raw_groups if isinstance(group, str)] if isinstance(raw_groups, list) else []
    roles = roles_from_groups(groups, provider.role_mapping, provider.allowed_roles)
    if not roles and provider.town_slug and other_towns_groups(groups, provider.town_slug):
        raise LoginRefused(
            gettext("Ihr Konto ist beim Anmeldedienst für eine andere Kommune freigeschaltet, nicht für "
                    "%(town)s. Bitte melden Sie sich auf der Seite Ihrer Kommune an.", town=provider.town_name),
            status=403,
        )
    if not roles:
        raise LoginRefused(
            gettext("Ihr Konto ist beim Anmeldedienst bekannt, hat hier aber keine Rolle. Die Anmeldung ist nur "
                    "für Beschäftigte mit einer Berechtigung möglich; wenden Sie sich an Ihre Verwaltung."),
            status=403,
        )
    return Identity(
        issuer=provider.issuer,
        subject=str(claims["sub"]),
        email=strip_controls(str(claims.get("email") or ""))[:320],
        display_name=strip_controls(str(claims.get("name") or claims.get("preferred_username") or ""))[:200],
        roles=roles,
    )


def end_session_url(provider: ProviderConfig, post_logout_redirect_uri: str) -> str | None:
    """The provider's RP-initiated logout URL, or None when it offers none or is unreachable."""
    try:
        metadata, _ = metadata_cache.get(provider.issuer)
    except LoginRefused:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode({"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri})
    return f"{endpoint}?{query}"
