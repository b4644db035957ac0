"""Looking up the current town's SAML logins (the ORM adds the town to every query).

Logins are found by the hash of the browser's secret; the secret itself is never stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from amtsweg.auth.oidc import FLOW_MAX_AGE
from amtsweg.auth.saml.models import CitizenLogin
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.tokens import hash_token


def active_login(token: str) -> CitizenLogin | None:
    """The completed, unexpired login the browser's secret belongs to."""
    return db.session.scalar(
        select(CitizenLogin).where(
            CitizenLogin.token_hash == hash_token(token),
            CitizenLogin.completed_at.is_not(None),
            CitizenLogin.expires_at > utcnow(),
        )
    )


def pending_login(token: str) -> CitizenLogin | None:
    """The login the browser started and the identity provider has not answered yet."""
    return db.session.scalar(
        select(CitizenLogin).where(CitizenLogin.token_hash == hash_token(token), CitizenLogin.completed_at.is_(None))
    )


def pending_login_for_request(request_id: str) -> CitizenLogin | None:
    """The unanswered login an AuthnRequest of this town started within the last minutes."""
    return db.session.scalar(
        select(CitizenLogin).where(
            CitizenLogin.request_id == request_id,
            CitizenLogin.completed_at.is_(None),
            CitizenLogin.created_at > utcnow() - timedelta(seconds=FLOW_MAX_AGE),
        )
    )
