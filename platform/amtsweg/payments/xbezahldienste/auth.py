"""How a town's connection authenticates with its XBezahldienste provider.

Three profiles, one class each in a registry: HTTP Basic (ekom21's epay21), OAuth2 client
credentials with a cached token (pmPayment, GiroCheckout) and mutual TLS with a client certificate
(ePayBL connectors). Secrets never go into tenant.toml; they come from the environment, named per
town (slug in upper case, hyphens as underscores):

``AMTSWEG_PAYMENT_SECRET_<SLUG>``  Basic password or OAuth2 client secret
``AMTSWEG_PAYMENT_CERT_<SLUG>``    mutual TLS: path of the client certificate (PEM)
``AMTSWEG_PAYMENT_KEY_<SLUG>``     mutual TLS: path of its private key (PEM)
``AMTSWEG_PAYMENT_CA_<SLUG>``      optional, any profile: CA bundle for the provider's server certificate
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from requests.auth import HTTPBasicAuth

from amtsweg.payments.base import ProviderMisconfigured, ProviderUnavailable


def variable(kind: str, town_slug: str) -> str:
    """The environment variable of one secret of a town, e.g. ``AMTSWEG_PAYMENT_SECRET_NEU_ANSPACH``."""
    return f"AMTSWEG_PAYMENT_{kind}_{town_slug.upper().replace('-', '_')}"


def _from_environment(kind: str, town_slug: str) -> str:
    name = variable(kind, town_slug)
    value = os.environ.get(name, "")
    if not value:
        raise ProviderMisconfigured(f"the environment variable {name} is not set")
    return value


def _existing_file(kind: str, town_slug: str) -> str:
    path = _from_environment(kind, town_slug)
    if not Path(path).is_file():
        raise ProviderMisconfigured(f"{variable(kind, town_slug)} names {path}, which is not a readable file")
    return path


class AuthProfile:
    """Builds the HTTP session a town's client uses; keeps whatever it caches (tokens)."""

    key: ClassVar[str]
    # Keys of [payments.xbezahldienste] this profile needs besides the common ones.
    required_settings: ClassVar[tuple[str, ...]] = ()
    secrets: ClassVar[tuple[str, ...]] = ()

    def __init__(self, settings: Any, town_slug: str) -> None:
        self.settings = settings
        self.town_slug = town_slug

    def session(self) -> requests.Session:
        session = self._session()
        ca_bundle = os.environ.get(variable("CA", self.town_slug), "")
        if ca_bundle:
            session.verify = ca_bundle
        return session

    def _session(self) -> requests.Session:
        raise NotImplementedError

    def before_request(self, session: requests.Session, timeout: tuple[float, float]) -> None:
        """Called before every request (e.g. to fetch a token)."""

    def forget_credentials(self, session: requests.Session) -> None:
        """The provider refused what we sent (401): drop cached credentials so the next call renews them."""

    def fingerprint(self) -> tuple[str, ...]:
        """What the cached session depends on besides the settings: the secrets' current values."""
        return tuple(os.environ.get(variable(kind, self.town_slug), "") for kind in (*self.secrets, "CA"))


AUTH_PROFILES: dict[str, type[AuthProfile]] = {}
A = TypeVar("A", bound=type[AuthProfile])


def auth_profile(key: str) -> Callable[[A], A]:
    """Class decorator: register an authentication profile under ``key`` (the ``profile`` setting)."""
    def add(cls: A) -> A:
        cls.key = key
        AUTH_PROFILES[key] = cls
        return cls

    return add


@auth_profile("basic")
class BasicProfile(AuthProfile):
    secrets = ("SECRET",)

    def _session(self) -> requests.Session:
        session = requests.Session()
        username = self.settings.username or self.settings.originator_id
        session.auth = HTTPBasicAuth(username, _from_environment("SECRET", self.town_slug))
        return session


@auth_profile("oauth2")
class ClientCredentialsProfile(AuthProfile):
    """OAuth2 client credentials. The token is cached with the session and renewed shortly before
    it expires (authlib), or at once when the provider refuses it."""

    required_settings = ("client_id", "token_url")
    secrets = ("SECRET",)

    def __init__(self, settings: Any, town_slug: str) -> None:
        super().__init__(settings, town_slug)
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        return OAuth2Session(
            client_id=self.settings.client_id,
            client_secret=_from_environment("SECRET", self.town_slug),
            token_endpoint=self.settings.token_url,
            token_endpoint_auth_method="client_secret_basic",
            grant_type="client_credentials",
            scope=self.settings.scope or None,
            # Renew a minute early: a token must not expire between our check and the provider's.
            leeway=60,
        )

    def before_request(self, session: requests.Session, timeout: tuple[float, float]) -> None:
        assert isinstance(session, OAuth2Session)
        with self._lock:
            if session.token and not session.token.is_expired(leeway=60):
                return
            try:
                session.fetch_token(self.settings.token_url, grant_type="client_credentials", timeout=timeout,
                                    verify=session.verify)
            except AuthlibBaseError as exc:
                raise ProviderMisconfigured(f"token endpoint refused the client: {exc.error}",
                                            code="FORBIDDEN") from exc
            except (requests.RequestException, ValueError) as exc:
                raise ProviderUnavailable(f"token endpoint not reachable: {type(exc).__name__}") from exc

    def forget_credentials(self, session: requests.Session) -> None:
        with self._lock:
            session.token = None  # type: ignore[attr-defined]


@auth_profile("mtls")
class MutualTlsProfile(AuthProfile):
    secrets = ("CERT", "KEY")

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.cert = (_existing_file("CERT", self.town_slug), _existing_file("KEY", self.town_slug))
        return session


class _Cache:
    """One session per town and configuration, so connections and OAuth2 tokens are reused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[AuthProfile, requests.Session]] = {}

    def get(self, key: tuple[Any, ...], build: Callable[[], tuple[AuthProfile, requests.Session]]
            ) -> tuple[AuthProfile, requests.Session]:
        with self._lock:
            if key not in self._entries:
                self._entries[key] = build()
            return self._entries[key]

    def clear(self) -> None:
        with self._lock:
            for _, session in self._entries.values():
                session.close()
            self._entries.clear()


sessions = _Cache()


def authenticated_session(settings: Any, town_slug: str) -> tuple[AuthProfile, requests.Session]:
    """The cached profile and session of a town's connection (built on first use)."""
    profile = AUTH_PROFILES[settings.profile](settings, town_slug)
    key = (town_slug, settings.model_dump_json(), profile.fingerprint())

    def build() -> tuple[AuthProfile, requests.Session]:
        return profile, profile.session()

    return sessions.get(key, build)
