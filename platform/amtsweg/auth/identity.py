"""Who is logged in on this town's host, how well identified, and the way to a stronger login.

For pages (the application form, the account pages)::

    identity = current_identity()          # None, or account + level + source + attributes
    if (response := require_level(4)) is not None:
        return response                     # redirect to the login asking for at least "hoch"

A SAML login carries the level the IdP confirmed (1, 3 or 4), how the person proved who they are
and the attributes it confirmed (keys of :mod:`amtsweg.auth.saml.idps`: given_name, family_name,
birth_date, place_of_birth, street_address, postal_code, locality, country, nationality, email; for
organisations organisation_name, legal_form, tax_number and the acting person's names). A login
through the OIDC bridge names no level: it counts as a registered account (level 1) and nothing more.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g, redirect, render_template, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from amtsweg.auth import oidc
from amtsweg.auth.citizens import citizen_login_token, citizen_provider, current_citizen
from amtsweg.auth.models import CitizenAccount
from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS, IdentityProvider
from amtsweg.auth.saml.queries import active_login
from amtsweg.auth.trust import IdentitySource, TrustLevel, identity_source, trust_level
from amtsweg.forms.form import Form
from amtsweg.forms.prefill import Prefilled, prefilled_fields
from amtsweg.web import render_error


@dataclass(frozen=True)
class CitizenIdentity:
    account: CitizenAccount
    # The SAML identity provider, None for the OIDC bridge.
    idp: IdentityProvider | None
    # What the IdP confirmed; None when the login names no level (OIDC bridge).
    level: TrustLevel | None
    source: IdentitySource
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def organisation(self) -> bool:
        return self.idp is not None and self.idp.organisation

    def meets(self, minimum_level: int, organisation: bool = False) -> bool:
        """Identified at least this well (any login is a registered account, level 1), as the right kind."""
        reached = self.level.number if self.level else 1
        return reached >= minimum_level and self.organisation == organisation


def current_identity() -> CitizenIdentity | None:
    """The citizen or organisation logged in on this town's host, or None."""
    if "citizen_identity" not in g:
        g.citizen_identity = _load_identity()
    return g.citizen_identity


def _load_identity() -> CitizenIdentity | None:
    account = current_citizen()
    if account is None:
        return None
    token = citizen_login_token()
    login = active_login(token) if token else None
    if login is None:
        return CitizenIdentity(account, None, None, identity_source("account"), _account_attributes(account))
    return CitizenIdentity(account, IDENTITY_PROVIDERS[login.idp], trust_level(login.level or 1),
                           identity_source(login.source), dict(login.attributes))


def _account_attributes(account: CitizenAccount) -> dict[str, str]:
    values: dict[str, Any] = {"given_name": account.given_name, "family_name": account.family_name,
                              "email": account.email, **(account.address or {})}
    return {key: str(value) for key, value in values.items() if value}


def login_prefill(form: Form | None) -> dict[str, Prefilled]:
    """The fields of ``form`` the current SAML login fills in (their ``prefill`` keys), locked where the
    login's data come from a register; nothing without such a login."""
    identity = current_identity()
    if identity is None or identity.idp is None:
        return {}
    return prefilled_fields(form, dict(identity.attributes), identity.source.verified_data, identity.organisation)


def require_level(minimum_level: int, next_path: str | None = None, organisation: bool = False,
                  attributes: Collection[str] | None = None) -> Any:
    """None when the current login meets ``minimum_level`` (1, 3 or 4; as an organisation if asked);
    otherwise the response to send: a redirect to this town's login asking for at least that level
    (and for the login ``attributes`` the service needs), coming back to ``next_path`` (default: this
    page), a page refusing a person's login where only organisations may apply, or a page explaining
    that this town offers no login that can."""
    identity = current_identity()
    if identity is not None and identity.meets(minimum_level, organisation):
        return None
    provider = citizen_provider()
    try:
        url = provider.login_url(next_path or request.full_path.rstrip("?"), minimum_level, organisation,
                                 attributes) if provider else None
    except oidc.LoginRefused as refusal:
        return render_error(refusal.status, refusal.message)
    if organisation and identity is not None and not identity.organisation:
        return _person_refused(url)
    if url is None:
        return render_error(403, gettext(
            "Für diese Leistung ist eine Anmeldung mit dem Vertrauensniveau „%(level)s“ nötig. Diese Anmeldung "
            "bietet die Kommune online noch nicht an; bitte wenden Sie sich an die Verwaltung.",
            level=trust_level(minimum_level).name))
    response: Response = redirect(url)
    return response


def _person_refused(organisation_login_url: str | None) -> tuple[str, int]:
    """A person's own login where only organisations may apply: say so and offer the business login."""
    message = gettext(
        "Diese Leistung können nur Unternehmen, Vereine und andere Organisationen beantragen. Sie sind mit einem "
        "persönlichen Nutzerkonto angemeldet; bitte melden Sie sich mit Mein Unternehmenskonto für Ihre "
        "Organisation an.")
    if organisation_login_url is None:
        message += " " + gettext("Diese Anmeldung bietet die Kommune online noch nicht an; bitte wenden Sie sich "
                                 "an die Verwaltung.")
    page = render_template("login_refused.html", message=message, back_url=organisation_login_url,
                           back_label=gettext("Mit Mein Unternehmenskonto anmelden"))
    return page, 403
