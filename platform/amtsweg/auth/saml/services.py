"""Starting, completing and ending SAML logins of the current town, one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, or_, update
from sqlalchemy.exc import IntegrityError

from amtsweg.auth.citizens import update_citizen_account
from amtsweg.auth.oidc import FLOW_MAX_AGE
from amtsweg.auth.saml import protocol
from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS, IdentityProvider
from amtsweg.auth.saml.metadata import metadata_cache
from amtsweg.auth.saml.models import CitizenLogin, SeenAssertion
from amtsweg.auth.saml.protocol import ResponseRefused, SpIdentity
from amtsweg.auth.saml.queries import active_login, pending_login_for_request
from amtsweg.auth.trust import TrustLevel, level_of_class_ref, source_of_proved_by
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.tokens import hash_token, new_token

# The attributes an account keeps as its address (the shape of the OIDC address claim).
_ADDRESS = ("street_address", "postal_code", "locality", "country")
# Attributes that describe the login rather than the person; they are not kept with it.
_TECHNICAL = frozenset({"trust_level", "proved_by"})


@dataclass(frozen=True)
class LoginStart:
    url: str
    # The browser's secret for this login (kept in its session, stored here only as a hash).
    token: str


def begin_login(
    sp: SpIdentity, idp: IdentityProvider, minimum: TrustLevel, next_path: str,
    requested: dict[str, bool] | None = None, display: dict[str, str] | None = None,
) -> LoginStart:
    """Record a pending login and build the signed AuthnRequest for it.

    Raises SamlUnavailable when the IdP's metadata, the town's keys or xmlsec1 are missing.
    """
    metadata = metadata_cache.get(idp)
    wanted = requested or idp.default_request()
    request_id, url = protocol.authn_request_url(sp, metadata, idp, minimum, wanted, display or {})
    _delete_expired()
    token = new_token()
    db.session.add(CitizenLogin(
        request_id=request_id, token_hash=hash_token(token), idp=idp.key, minimum_level=minimum.number,
        requested=wanted, next_path=next_path,
    ))
    db.session.commit()
    return LoginStart(url, token)


def complete_login(sp: SpIdentity, saml_response: str) -> None:
    """Verify the IdP's response and complete the pending login it answers (account, level, attributes).

    Refusals raise ResponseRefused after rolling back, so nothing is stored, and are logged.
    """
    try:
        _complete(sp, saml_response)
    except ResponseRefused as refusal:
        db.session.rollback()
        current_app.logger.warning("SAML login refused (%s): %s", refusal.code, refusal.reason)
        raise


def _complete(sp: SpIdentity, saml_response: str) -> None:
    request_id = protocol.in_response_to(saml_response)
    login = pending_login_for_request(request_id) if request_id else None
    if login is None:
        raise ResponseRefused(protocol.UNKNOWN_REQUEST, f"no pending login of this town for request {request_id!r}")
    idp = IDENTITY_PROVIDERS[login.idp]
    verified = protocol.verify_response(sp, metadata_cache.get(idp), saml_response, request_id)
    values = idp.by_name(verified.attributes)
    level = _lower(verified.level, values.get(idp.level_attribute or ""))
    if level.number < login.minimum_level:
        raise ResponseRefused(protocol.LEVEL_TOO_LOW, f"level {level.number} < required {login.minimum_level}",
                              {"erreicht": str(level.number)})
    subject = values.get(idp.subject) if idp.subject else verified.name_id.get("text")
    missing = [key for key, required in login.requested.items() if required and key not in values]
    if not subject and idp.subject is None:
        raise ResponseRefused(protocol.INVALID, "the assertion names no subject")
    if missing:
        raise ResponseRefused(protocol.MISSING_ATTRIBUTE, f"required attributes missing: {missing}",
                              {"fehlt": ",".join(missing)})
    _remember(verified)
    now = utcnow()
    consumed = cast(CursorResult[Any], db.session.execute(
        update(CitizenLogin).where(CitizenLogin.id == login.id, CitizenLogin.completed_at.is_(None))
        .values(completed_at=now).execution_options(synchronize_session=False)
    ))
    if consumed.rowcount != 1:
        raise ResponseRefused(protocol.UNKNOWN_REQUEST, f"request {request_id} was answered already")
    db.session.refresh(login)
    account = update_citizen_account(verified.issuer, _claims(idp, str(subject), values))
    source = values.get(idp.proved_by_attribute or "")
    login.account_id = account.id
    login.level = level.number
    login.source = source_of_proved_by(source).key if source else idp.default_source
    login.attributes = {key: value for key, value in values.items() if key in login.requested and key not in _TECHNICAL}
    login.name_id = verified.name_id
    login.session_index = verified.session_index[:255]
    login.expires_at = now + timedelta(seconds=current_app.config["AUTH_ABSOLUTE_TIMEOUT"])
    db.session.commit()
    current_app.logger.info("SAML login via %s completed, level %s (%s)", idp.key, level.number, login.source)


def _lower(level: TrustLevel, attribute: str | None) -> TrustLevel:
    """The lower of the assertion's level and BundID's level attribute, when both are given."""
    named = level_of_class_ref(attribute) if attribute else None
    return named if named is not None and named.number < level.number else level


def _remember(verified: protocol.VerifiedAssertion) -> None:
    # A unique row per assertion ID: the second worker to insert it loses, whichever host it is on.
    expires = datetime.fromtimestamp(verified.not_on_or_after, UTC) if verified.not_on_or_after else utcnow()
    seen = SeenAssertion(issuer=verified.issuer, assertion_id=verified.assertion_id[:255],
                         expires_at=max(expires, utcnow()) + timedelta(seconds=current_app.config["SAML_CLOCK_SKEW"]))
    db.session.add(seen)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise ResponseRefused(protocol.UNKNOWN_REQUEST, f"assertion {verified.assertion_id} was used before") from exc


def _claims(idp: IdentityProvider, subject: str, values: dict[str, str]) -> dict[str, object]:
    """The account's fields in the shape of OpenID Connect claims (as the OIDC login stores them)."""
    person = f"{values.get('given_name', '')} {values.get('family_name', '')}".strip()
    return {
        "sub": subject,
        "given_name": values.get("given_name", ""),
        "family_name": values.get("family_name", ""),
        "name": values.get("organisation_name", person) if idp.organisation else person,
        "email": values.get("email", ""),
        "address": {key: values[key] for key in _ADDRESS if key in values},
    }


def end_login(token: str) -> None:
    """Delete the town's login of this browser (logout): a copy of the session cookie is worthless."""
    db.session.execute(
        delete(CitizenLogin).where(CitizenLogin.token_hash == hash_token(token)).execution_options(
            synchronize_session=False)
    )
    db.session.commit()


def logout_url(sp: SpIdentity, token: str) -> str | None:
    """Where to send the browser to end the IdP's session too, or None (no login, no IdP logout)."""
    login = active_login(token)
    if login is None:
        return None
    metadata = metadata_cache.get(IDENTITY_PROVIDERS[login.idp])
    return protocol.logout_request_url(sp, metadata, login.name_id, login.session_index)


def delete_expired_logins() -> None:
    """Forget the current town's unanswered and expired logins and every expired assertion ID."""
    _delete_expired()
    db.session.commit()


def _delete_expired() -> None:
    now = utcnow()
    db.session.execute(
        delete(CitizenLogin).where(or_(
            CitizenLogin.expires_at < now,
            CitizenLogin.completed_at.is_(None) & (CitizenLogin.created_at < now - timedelta(seconds=FLOW_MAX_AGE)),
        )).execution_options(synchronize_session=False)
    )
    db.session.execute(delete(SeenAssertion).where(SeenAssertion.expires_at < now))
