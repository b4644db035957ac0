"""The citizen login a town offers, one class per kind (tenant.toml ``[citizen_login] provider``).

The account pages and the application form log citizens in and out through this interface,
whatever protocol is behind it:

- ``oidc``: the state account's OpenID Connect bridge; it names no trust level.
- ``saml``: BundID for people and Mein Unternehmenskonto for organisations, with trust levels.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from flask import current_app, g, url_for

from amtsweg.auth import oidc
from amtsweg.auth.citizens import citizen_login_token, oidc_citizen_config
from amtsweg.auth.saml import SamlUnavailable
from amtsweg.auth.saml import services as saml_services
from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS, IdentityProvider
from amtsweg.auth.saml.site import sp_identity
from amtsweg.tenancy.models import TenantInfo


class CitizenLoginProvider(Protocol):
    kind: ClassVar[str]
    # Whether a login says how well the person was identified (see amtsweg.auth.trust).
    asserts_levels: ClassVar[bool]

    @property
    def logs_in_organisations(self) -> bool:
        """Whether an organisation can log in (Mein Unternehmenskonto), not only a person."""

    def login_url(self, next_path: str, minimum_level: int = 1, organisation: bool = False,
                  attributes: Collection[str] | None = None) -> str | None:
        """Where "log in" leads, coming back to ``next_path``; None when this login cannot give
        ``minimum_level`` (or an organisation). ``attributes``: the login attributes a service needs
        (amtsweg.forms.prefill.login_keys), where the login asks only for what it needs; None: a login
        for the account. May raise oidc.LoginRefused."""

    def requested(self, attributes: Collection[str], organisation: bool = False) -> RequestedAttributes | None:
        """What a login for a service needing ``attributes`` asks for, to show before it; None when the
        login asks for the same whatever the service."""

    def log_out(self, home: str) -> str | None:
        """End this provider's part of the session (before the platform session ends); returns where
        the browser goes next to leave the provider too, or None."""


@dataclass(frozen=True)
class RequestedAttributes:
    idp: IdentityProvider
    # {attribute key: required}, in the IdP's order.
    attributes: dict[str, bool]

    @property
    def labels(self) -> list[str]:
        return self.idp.labels(self.attributes)


@dataclass(frozen=True)
class OidcCitizenLogin:
    config: oidc.ProviderConfig
    kind: ClassVar[str] = "oidc"
    asserts_levels: ClassVar[bool] = False

    @property
    def logs_in_organisations(self) -> bool:
        return False

    def login_url(self, next_path: str, minimum_level: int = 1, organisation: bool = False,
                  attributes: Collection[str] | None = None) -> str | None:
        # The state account's bridge hands over the same claims for every login.
        if minimum_level > 1 or organisation:
            return None
        return oidc.begin(self.config, url_for("account.callback", _external=True), next_path)

    def requested(self, attributes: Collection[str], organisation: bool = False) -> RequestedAttributes | None:
        return None

    def log_out(self, home: str) -> str | None:
        return oidc.end_session_url(self.config, home)


@dataclass(frozen=True)
class SamlCitizenLogin:
    idps: tuple[IdentityProvider, ...]
    kind: ClassVar[str] = "saml"
    asserts_levels: ClassVar[bool] = True

    @property
    def logs_in_organisations(self) -> bool:
        return self._idp(organisation=True) is not None

    def _idp(self, organisation: bool) -> IdentityProvider | None:
        return next((idp for idp in self.idps if idp.organisation == organisation), None)

    def login_url(self, next_path: str, minimum_level: int = 1, organisation: bool = False,
                  attributes: Collection[str] | None = None) -> str | None:
        idp = self._idp(organisation)
        if idp is None:
            return None
        # The service's attributes this IdP knows (the login page refuses others); identification is
        # always asked for.
        wanted = None if attributes is None else ",".join(
            key for key in idp.request_for(attributes) if key not in idp.identification)
        return url_for("auth.saml.login", konto=idp.key, niveau=minimum_level, angaben=wanted, weiter=next_path)

    def requested(self, attributes: Collection[str], organisation: bool = False) -> RequestedAttributes | None:
        idp = self._idp(organisation)
        return RequestedAttributes(idp, idp.request_for(attributes)) if idp else None

    def log_out(self, home: str) -> str | None:
        token = citizen_login_token()
        if token is None:
            return None
        try:
            target = saml_services.logout_url(sp_identity(), token)
        except SamlUnavailable as exc:
            # The platform session ends anyway; only the IdP's own session outlives it.
            current_app.logger.warning("SAML single logout not possible: %s", exc)
            target = None
        saml_services.end_login(token)
        return target


def _oidc(tenant: TenantInfo, choice: Mapping[str, Any]) -> CitizenLoginProvider | None:
    config = oidc_citizen_config()
    return OidcCitizenLogin(config) if config is not None else None


def _saml(tenant: TenantInfo, choice: Mapping[str, Any]) -> CitizenLoginProvider | None:
    settings = current_app.config
    idps = tuple(
        IDENTITY_PROVIDERS[key] for key in choice.get("saml_idps") or ["bundid"]
        if key in IDENTITY_PROVIDERS and settings[IDENTITY_PROVIDERS[key].metadata_setting]
    )
    return SamlCitizenLogin(idps) if idps else None


KINDS: dict[str, Callable[[TenantInfo, Mapping[str, Any]], CitizenLoginProvider | None]] = {
    OidcCitizenLogin.kind: _oidc,
    SamlCitizenLogin.kind: _saml,
}


def town_citizen_login() -> CitizenLoginProvider | None:
    """The login of this request's town, or None (not a town host, or its provider is not configured)."""
    site = g.get("site")
    if site is None or site.kind != "tenant":
        return None
    choice = site.tenant.settings.get("citizen_login") or {}
    factory = KINDS.get(choice.get("provider", OidcCitizenLogin.kind))
    return factory(site.tenant, choice) if factory else None
