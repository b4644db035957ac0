"""Creating and updating staff accounts at login (just-in-time provisioning) and ending their
sessions; one transaction each."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from amtsweg.audit.services import record
from amtsweg.auth.models import PlatformUser, User
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.tenancy.context import current_tenant_or_none

DEV_ISSUER = "dev"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """Who the identity provider (or the development login) says is logging in."""

    issuer: str
    subject: str
    email: str
    display_name: str
    roles: list[str]


def sign_in_town_user(identity: Identity) -> User:
    """Create or update the current town's account for ``identity``; roles are replaced, never merged.

    The caller has checked that ``identity.roles`` is not empty: an identity without any role is
    refused before anything is stored.
    """
    user = db.session.scalar(select(User).where(User.issuer == identity.issuer, User.subject == identity.subject))
    created = user is None
    if user is None:
        user = User(issuer=identity.issuer, subject=identity.subject)
        db.session.add(user)
    _apply(user, identity)
    db.session.flush()
    record(user.label, "user.created" if created else "user.logged_in", "user", user.id,
           issuer=identity.issuer, roles=user.roles)
    db.session.commit()
    return user


def sign_in_platform_user(identity: Identity) -> PlatformUser:
    """Create or update the cross-town administrator for ``identity`` (admin host only)."""
    if current_tenant_or_none() is not None:
        raise RuntimeError("platform accounts are only signed in on the admin host")
    user = db.session.scalar(
        select(PlatformUser).where(PlatformUser.issuer == identity.issuer, PlatformUser.subject == identity.subject)
    )
    if user is None:
        user = PlatformUser(issuer=identity.issuer, subject=identity.subject)
        db.session.add(user)
    _apply(user, identity)
    db.session.commit()
    return user


def _apply(user: User | PlatformUser, identity: Identity) -> None:
    if user.id is not None and sorted(user.roles or ()) != sorted(identity.roles):
        # Sessions opened with the old roles must not keep them.
        user.session_epoch += 1
    user.email = identity.email
    user.display_name = identity.display_name
    user.roles = list(identity.roles)
    user.last_login_at = utcnow()


def end_all_sessions(account: User | PlatformUser, actor: str) -> None:
    """End every session of ``account`` on every device (logout, or an administrator's decision)."""
    account.session_epoch += 1
    if isinstance(account, User):
        record(actor, "user.sessions_ended", "user", account.id)
    else:
        # Platform accounts belong to no town and so to no town's audit log.
        log.info("sessions of platform account %s ended by %s", account.id, actor)
    db.session.commit()
