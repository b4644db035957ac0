"""Citizen accounts: login with the state account (a Nutzerkonto/BundID bridge speaking OpenID
Connect), the citizen's session and prefilling application forms from the account's claims.

One client serves every town (settings ``CITIZEN_OIDC_ISSUER`` / ``CITIZEN_OIDC_CLIENT_ID``, secret
``AMTSWEG_CITIZEN_OIDC_SECRET``); the redirect URI is on each town's host. Accounts are kept per town
and keyed by (issuer, subject). The citizen's session lives beside a staff login and never touches
Flask-Login, so a citizen can never reach a staff page.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import select

from amtsweg.audit.services import record
from amtsweg.auth.models import CitizenAccount
from amtsweg.auth.oidc import ProviderConfig
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.forms.fields.address import AddressField
from amtsweg.processes.schema import ProcessDefinition
from amtsweg.tenancy.context import current_tenant_or_none
from amtsweg.tenancy.resolution import normalise_host

SECRET_VARIABLE = "AMTSWEG_CITIZEN_OIDC_SECRET"
SCOPES = "openid profile email address"
SESSION_KEY = "buergerkonto"
FLOW_KEY = "buergerkonto_flow"


def citizen_provider() -> ProviderConfig | None:
    """The state account's provider on a town host, or None when the deployment has none."""
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
    db.session.commit()
    return account


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


# --------------------------------------------------------------------------- session


def start_citizen_session(account: CitizenAccount) -> None:
    """Remember the citizen on this host; a staff login and the application drafts stay as they are."""
    now = int(time.time())
    session[SESSION_KEY] = {
        "id": account.id, "tenant": account.tenant_id, "host": normalise_host(request.host),
        "login_at": now, "seen_at": now,
    }
    # A new CSRF token: a form loaded before the login does not carry over into the account.
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop("citizen", None)


def end_citizen_session() -> None:
    """Log the citizen account out of this session."""
    session.pop(SESSION_KEY, None)
    g.pop("citizen", None)


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
    if account is None or account.tenant_id != tenant.id:
        session.pop(SESSION_KEY, None)
        return None
    session[SESSION_KEY] = {**data, "seen_at": int(now)}
    return account


# --------------------------------------------------------------------------- prefill

# Autocomplete token of a form field -> where its value comes from in the account.
_PERSON_TOKENS = {"given-name": "given_name", "family-name": "family_name", "name": "name", "email": "email"}
_ADDRESS_TOKENS = {"street-address": "street_address", "postal-code": "postal_code", "address-level2": "locality"}


def _split_street(street_address: str) -> tuple[str, str]:
    """"Marktplatz 1a" -> ("Marktplatz", "1a"); without a trailing house number all is the street."""
    first_line = street_address.splitlines()[0] if street_address else ""
    street, _, number = first_line.rpartition(" ")
    if street and number[:1].isdigit():
        return street, number
    return first_line, ""


def prefill_answers(definition: ProcessDefinition, account: CitizenAccount) -> dict[str, Any]:
    """Answers for a new draft from the account: fields whose autocomplete token names the person or
    their address, and the first address field that is always shown. Empty claims fill nothing."""
    if definition.form is None:
        return {}
    address = account.address or {}
    street, number = _split_street(address.get("street_address", ""))
    answers: dict[str, Any] = {}
    address_filled = False
    for step in definition.form.steps:
        for fld in step.fields:
            if isinstance(fld, AddressField):
                if address_filled or fld.show_if is not None or not address:
                    continue
                parts = {"street": street, "house_number": number, "postal_code": address.get("postal_code", ""),
                         "city": address.get("locality", "")}
                answers[fld.id] = {part: parts.get(part, "") for part in fld.parts}
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
