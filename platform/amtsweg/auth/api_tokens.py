"""A town's keys for the JSON API: issuing and revoking them (the town's administrators), checking
the key a call presents, and recording each call. Every change is one transaction.

A key reads ``amtsweg.<id>.<secret>``. The id is random and names the row in its own town (another
town's key is simply unknown there); only the SHA-256 of the whole key is stored, compared in
constant time. What a key may do is its scopes; in workflow steps it acts with its roles, checked
by the same rules as a clerk's.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext
from sqlalchemy import or_, select, update

from amtsweg.audit.services import record
from amtsweg.auth.models import ApiToken
from amtsweg.auth.roles import CLERK, ROLE_LABELS, TEAM_LEAD
from amtsweg.clock import TOWN_TIME, as_utc, today_in_germany, utcnow
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.tokens import hash_token, matches, new_token

PREFIX = "amtsweg"
# What a key may do; the JSON API names the scope each of its operations needs.
SCOPES = {
    "cases:read": lazy_gettext("Vorgänge lesen: Liste, Einzelheiten und Verlauf"),
    "cases:write": lazy_gettext("Vorgänge bearbeiten: Bearbeitungsschritte, Nachrichten und Dokumente hinzufügen"),
    "documents:read": lazy_gettext("Dokumente der Vorgänge lesen und herunterladen"),
    "catalogue:read": lazy_gettext("Leistungskatalog lesen"),
}
# The roles a key may act with in workflow steps (process definitions allow each step to roles).
ACTING_ROLES = {role: ROLE_LABELS[role] for role in (CLERK, TEAM_LEAD)}
MAX_LIFETIME_DAYS = 730
NAME_LIMIT = 100
# "Last used" is kept to the minute: a busy key does not write its row on every call.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(DomainError):
    """The key a call presented is malformed, unknown here, revoked or expired; ``token`` is the
    key's row when it exists in this town (revoked or expired), for the audit trail."""

    default_message = lazy_gettext("Der API-Schlüssel ist ungültig, abgelaufen oder widerrufen.")

    def __init__(self, token: ApiToken | None = None) -> None:
        super().__init__()
        self.token = token


class TokenSettingsInvalid(DomainError):
    """A new key's name, scopes, roles or expiry cannot be accepted; ``problems`` names each field."""

    default_message = lazy_gettext("Bitte prüfen Sie die Angaben zum Schlüssel.")


@dataclass(frozen=True)
class IssuedToken:
    """A new key: its row and the key itself, which exists only in this answer."""

    token: ApiToken
    key: str


def expiry_of(day: date) -> datetime:
    """A key valid "until ``day``" works to the end of that day in Germany."""
    return datetime.combine(day + timedelta(days=1), time(), TOWN_TIME).astimezone(UTC)


def _check_settings(name: str, scopes: list[str], roles: list[str], expires_on: date | None) -> None:
    problems = []
    if not name:
        problems.append(Problem("name", lazy_gettext("Bitte geben Sie einen Namen für den Schlüssel ein.")))
    elif len(name) > NAME_LIMIT:
        problems.append(Problem("name", lazy_gettext("Der Name darf höchstens 100 Zeichen lang sein.")))
    if not scopes or not set(scopes) <= SCOPES.keys():
        problems.append(Problem("scopes", lazy_gettext("Bitte wählen Sie mindestens eine Berechtigung.")))
    if not set(roles) <= ACTING_ROLES.keys():
        problems.append(Problem("roles", lazy_gettext("Bitte wählen Sie eine Rolle aus der Liste.")))
    if "cases:write" in scopes and not roles:
        problems.append(Problem("roles", lazy_gettext(
            "Ein Schlüssel, der Vorgänge bearbeiten darf, braucht eine Rolle für die Bearbeitungsschritte.")))
    today = today_in_germany()
    if expires_on is None or not today < expires_on <= today + timedelta(days=MAX_LIFETIME_DAYS):
        problems.append(Problem("expires_on", lazy_gettext(
            "Bitte wählen Sie ein Ablaufdatum in der Zukunft, höchstens zwei Jahre ab heute.")))
    if problems:
        raise TokenSettingsInvalid(problems=problems)


def issue(name: str, scopes: Iterable[str], roles: Iterable[str], expires_on: date | None, actor: str) -> IssuedToken:
    """Create a key for the current town; raises :class:`TokenSettingsInvalid` (nothing stored)."""
    name, scopes, roles = name.strip(), sorted(set(scopes)), sorted(set(roles))
    _check_settings(name, scopes, roles, expires_on)
    assert expires_on is not None
    token_id = secrets.token_hex(8)
    key = f"{PREFIX}.{token_id}.{new_token()}"
    token = ApiToken(id=token_id, name=name, token_hash=hash_token(key), scopes=scopes, roles=roles,
                     created_by=actor, expires_at=expiry_of(expires_on))
    db.session.add(token)
    record(actor, "api_token.created", "api_token", token_id, name=name, scopes=scopes, roles=roles,
           expires_at=token.expires_at.isoformat())
    db.session.commit()
    return IssuedToken(token, key)


def revoke(token_id: str, actor: str) -> ApiToken | None:
    """Revoke one of the current town's keys (None if there is no such key here)."""
    token = token_by_id(token_id)
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by = actor
        record(actor, "api_token.revoked", "api_token", token.id, name=token.name)
        db.session.commit()
    return token


def token_by_id(token_id: str) -> ApiToken | None:
    """One of the current town's keys (another town's id is not found)."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id))


def tokens() -> list[ApiToken]:
    """The current town's keys, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id)))


def is_active(token: ApiToken, now: datetime | None = None) -> bool:
    """Neither revoked nor expired."""
    return token.revoked_at is None and as_utc(token.expires_at) > (now or utcnow())


def authenticate(key: str) -> ApiToken:
    """The current town's active key ``key``; raises :class:`TokenRefused` otherwise. A refusal of a
    key that exists here (revoked, expired) carries it in ``error.token`` for the audit trail."""
    prefix, _, rest = key.partition(".")
    token_id, _, secret = rest.partition(".")
    if prefix != PREFIX or not token_id.isalnum() or len(token_id) != 16 or not secret:
        raise TokenRefused()
    token = token_by_id(token_id)
    if token is None or not matches(key, token.token_hash):
        raise TokenRefused()
    if not is_active(token):
        raise TokenRefused(token)
    return token


def record_call(token: ApiToken, method: str, path: str, status: int) -> None:
    """Put one API call in the audit trail and note the key's last use (its own transaction, after
    the call's answer is known; anything the call left open is discarded first)."""
    token_id, label = token.id, token.label
    db.session.rollback()
    now = utcnow()
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_PRECISION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    record(label, "api.call", "api_token", token_id, method=method, path=path, status=status)
    db.session.commit()
