"""Citizen accounts: login with the state account, the citizen's session and prefilling application
forms from the account's claims.

A town logs citizens in either through a Nutzerkonto/BundID bridge speaking OpenID Connect or
directly with BundID and Mein Unternehmenskonto over SAML (:mod:`amtsweg.auth.saml`), as its
tenant.toml chooses (:mod:`amtsweg.auth.citizen_login`). The OIDC client serves every town
(settings ``CITIZEN_OIDC_ISSUER`` / ``CITIZEN_OIDC_CLIENT_ID``, secret ``AMTSWEG_CITIZEN_OIDC_SECRET``);
the redirect URI is on each town's host. Accounts are kept per town and keyed by (issuer, subject).
The citizen's session lives beside a staff login and never touches Flask-Login, so a citizen can
never reach a staff page. A SAML login's level and attributes stay on the server
(:class:`amtsweg.auth.saml.models.CitizenLogin`); the session holds only its secret.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from flask import current_app, g, request, session
from sqlalchemy import select

from amtsweg.audit.services import record
from amtsweg.auth.models import CitizenAccount
from amtsweg.auth.oidc import ProviderConfig
from amtsweg.auth.saml.queries import active_login
from amtsweg.cleaning import strip_controls
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.forms.fields.address import AddressField
from amtsweg.forms.prefill import address_answer
from amtsweg.processes.schema import ProcessDefinition
from amtsweg.tenancy.context import current_tenant_or_none
from amtsweg.tenancy.resolution import normalise_host

if TYPE_CHECKING:
    from amtsweg.auth.citizen_login import CitizenLoginProvider

SECRET_VARIABLE = "AMTSWEG_CITIZEN_OIDC_SECRET"
SCOPES = "openid profile email address"
SESSION_KEY = "buergerkonto"
FLOW_KEY = "buergerkonto_flow"


def citizen_provider() -> CitizenLoginProvider | None:
    """The citizen login of this town's host (OIDC or SAML), or None where citizens cannot log in."""
    # Imported here: the SAML login's modules build on this one.
    from amtsweg.auth.citizen_login import town_citizen_login

    return town_citizen_login()


def oidc_citizen_config() -> ProviderConfig | None:
    """The state account's OIDC provider on a town host, or None when the deployment has none."""
    site = g.get("site")
    config = current_app.config
    issuer, client_id = config["CITIZEN_OIDC_ISSUER"], config["CITIZEN_OIDC_CLIENT_ID"]
    secret = os.environ.get(SECRET_VARIABLE, "")
    if site is None or site.kind != "tenant" or not (issuer and client_id and secret):
        return None
    return ProviderConfig(issuer.rstrip("/"), client_id, secret, scopes=SCOPES, userinfo_claim="address",
                          flow_key=FLOW_KEY)


def sign_in_citizen(issuer: str, claims: dict[str, Any]) -> CitizenAccount:
    """Create or update the current town's account for the validated claims (one transaction)."""
    account = update_citizen_account(issuer, claims)
    db.session.commit()
    return account


def update_citizen_account(issuer: str, claims: dict[str, Any]) -> CitizenAccount:
    """Create or update the account (OIDC-style claims) with its audit event; the caller commits."""
    subject = str(claims["sub"])
    account = db.session.scalar(
        select(CitizenAccount).where(CitizenAccount.issuer == issuer, CitizenAccount.subject == subject)
    )
    created = account is None
    if account is None:
        account = CitizenAccount(issuer=issuer, subject=subject)
        db.session.add(account)
    account.given_name = _text(claims.get("given_name"), 200)
    account.family_name = _text(claims.get("family_name"), 200)
    account.name = _text(claims.get("name"), 200) or f"{account.given_name} {account.family_name}".strip()
    account.email = _text(claims.get("email"), 320)
    address = claims.get("address")
    account.address = {key: _text(value, 200) for key, value in address.items()} if isinstance(address, dict) else {}
    account.last_login_at = utcnow()
    db.session.flush()
    record("citizen", "citizen_account.created" if created else "citizen_account.logged_in", "citizen_account",
           account.id, issuer=issuer)
    return account


def _text(value: Any, limit: int) -> str:
    return strip_controls(value).strip()[:limit] if isinstance(value, str) else ""


# --------------------------------------------------------------------------- session


def start_citizen_session(account: CitizenAccount, login_token: str | None = None) -> None:
    """Remember the citizen on this host; a staff login and the application drafts stay as they are.

    ``login_token`` is the secret of a SAML login kept on the server; the session ends with it.
    """
    now = int(time.time())
    session[SESSION_KEY] = {
        "id": account.id, "tenant": account.tenant_id, "host": normalise_host(request.host),
        "login_at": now, "seen_at": now, **({"login": login_token} if login_token else {}),
    }
    # A new CSRF token: a form loaded before the login does not carry over into the account.
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    _forget_loaded()


def end_citizen_session() -> None:
    """Log the citizen account out of this session."""
    session.pop(SESSION_KEY, None)
    _forget_loaded()


def _forget_loaded() -> None:
    g.pop("citizen", None)
    g.pop("citizen_identity", None)


def citizen_login_token() -> str | None:
    """The secret of the server-side login behind this browser's citizen session, if there is one."""
    data = session.get(SESSION_KEY)
    token = data.get("login") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


def current_citizen() -> CitizenAccount | None:
    """The citizen logged in on this town's host, or None (wrong host or town, timed out, unknown)."""
    if "citizen" in g:
        return g.citizen
    g.citizen = _load_citizen()
    return g.citizen


def _load_citizen() -> CitizenAccount | None:
    data = session.get(SESSION_KEY)
    tenant = current_tenant_or_none()
    if not isinstance(data, dict) or tenant is None or citizen_provider() is None:
        return None
    now = time.time()
    config = current_app.config
    current = (
        data.get("host") == normalise_host(request.host)
        and data.get("tenant") == tenant.id
        and now - data.get("login_at", 0) <= config["AUTH_ABSOLUTE_TIMEOUT"]
        and now - data.get("seen_at", 0) <= config["AUTH_IDLE_TIMEOUT"]
    )
    account_id = data.get("id")
    account = db.session.get(CitizenAccount, account_id) if current and isinstance(account_id, int) else None
    if account is not None and "login" in data:
        # Logged out elsewhere (or by the IdP), expired, or another town's: the login row is gone here.
        login = active_login(data["login"]) if isinstance(data["login"], str) else None
        account = account if login is not None and login.account_id == account.id else None
    if account is None or account.tenant_id != tenant.id:
        session.pop(SESSION_KEY, None)
        return None
    session[SESSION_KEY] = {**data, "seen_at": int(now)}
    return account


# --------------------------------------------------------------------------- prefill

# Autocomplete token of a form field -> where its value comes from in the account.
_PERSON_TOKENS = {"given-name": "given_name", "family-name": "family_name", "name": "name", "email": "email"}
_ADDRESS_TOKENS = {"street-address": "street_address", "postal-code": "postal_code", "address-level2": "locality"}


def prefill_answers(definition: ProcessDefinition, account: CitizenAccount) -> dict[str, Any]:
    """Answers for a new draft from the account: fields whose autocomplete token names the person or
    their address, and the first address field that is always shown. Empty claims fill nothing."""
    if definition.form is None:
        return {}
    address = account.address or {}
    answers: dict[str, Any] = {}
    address_filled = False
    for step in definition.form.steps:
        for fld in step.fields:
            if isinstance(fld, AddressField):
                filled = None if address_filled or fld.show_if is not None else address_answer(address, fld.parts)
                if filled is not None:
                    answers[fld.id] = filled
                    address_filled = True
                continue
            token = (getattr(fld, "autocomplete", None) or "").split(" ")[-1]
            if token in _PERSON_TOKENS:
                value = getattr(account, _PERSON_TOKENS[token])
            elif token in _ADDRESS_TOKENS:
                value = address.get(_ADDRESS_TOKENS[token], "")
            else:
                continue
            if value:
                answers[fld.id] = value
    return answers
