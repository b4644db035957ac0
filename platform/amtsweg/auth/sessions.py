"""Staff sessions: a tenant-scoped user loader, rotation at login, host binding, timeouts and
revocation.

Flask keeps the session in a signed cookie on the client. "Rotating" it at login therefore means
clearing everything that was in it before (a planted or anonymous session carries nothing over),
dropping the CSRF token so a new one is issued, and writing fresh login data. The session records
which kind of account it belongs to, the host it was created on, when the login and the last
request happened, and the account's session epoch; the loader refuses it on any other host, for the
other kind of site, after the idle or absolute timeout, and once the account's epoch has moved on —
which logout, a change of roles and an administrator do, so a copied cookie dies with them.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from amtsweg.auth.access import login_redirect
from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.services import end_all_sessions
from amtsweg.extensions import db, login_manager
from amtsweg.tenancy.context import current_tenant_or_none
from amtsweg.tenancy.resolution import normalise_host

# Session keys written at login besides Flask-Login's own.
HOST_KEY = "auth_host"
LOGIN_AT_KEY = "auth_login_at"
SEEN_AT_KEY = "auth_seen_at"
VIA_KEY = "auth_via"
EPOCH_KEY = "auth_epoch"
KEPT_ON_ROTATION = ("locale",)

Account = User | PlatformUser


def _site_kind() -> str | None:
    site = g.get("site")
    return site.kind if site is not None else None


def _session_is_current() -> bool:
    """Same host as at login, and neither idle nor absolute timeout has passed."""
    if session.get(HOST_KEY) != normalise_host(request.host):
        return False
    now = time.time()
    login_at = session.get(LOGIN_AT_KEY, 0)
    seen_at = session.get(SEEN_AT_KEY, 0)
    config = current_app.config
    return now - login_at <= config["AUTH_ABSOLUTE_TIMEOUT"] and now - seen_at <= config["AUTH_IDLE_TIMEOUT"]


def load_account(user_id: str) -> Account | None:
    """Flask-Login's loader: a town host loads only its own users, the admin host only platform users."""
    site_kind = _site_kind()
    if site_kind is None:
        # The site is not resolved yet (e.g. an error page before routing): nobody is logged in
        # for this response, but the session itself stays as it is.
        return None
    kind, _, raw_id = user_id.partition(":")
    if not raw_id.isdigit() or not _session_is_current():
        _forget_login()
        return None
    account: Account | None = None
    if site_kind == "tenant" and kind == User.kind:
        tenant = current_tenant_or_none()
        # The ORM adds the town filter too; the explicit one keeps this loader safe on its own.
        account = db.session.scalar(
            select(User).where(User.id == int(raw_id), User.tenant_id == (tenant.id if tenant else -1))
        )
    elif site_kind == "admin" and kind == PlatformUser.kind:
        account = db.session.get(PlatformUser, int(raw_id))
    if account is None or not account.is_active or session.get(EPOCH_KEY) != account.session_epoch:
        _forget_login()
        return None
    session[SEEN_AT_KEY] = int(time.time())
    return account


def _forget_login() -> None:
    for key in (HOST_KEY, LOGIN_AT_KEY, SEEN_AT_KEY, VIA_KEY, EPOCH_KEY, "_user_id", "_fresh", "_id"):
        session.pop(key, None)


def rotate_session() -> None:
    """Start from an empty session (keeping only the language choice) with a new CSRF token."""
    kept = {key: session[key] for key in KEPT_ON_ROTATION if key in session}
    session.clear()
    session.update(kept)
    # Flask-WTF caches the token of this request in g; drop it so the next form gets a new one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def establish_session(account: Account, via: str) -> None:
    """Log ``account`` in on this host after rotating the session; ``via`` is "oidc" or "dev"."""
    rotate_session()
    login_user(account)
    now = int(time.time())
    session[HOST_KEY] = normalise_host(request.host)
    session[LOGIN_AT_KEY] = now
    session[SEEN_AT_KEY] = now
    session[VIA_KEY] = via
    session[EPOCH_KEY] = account.session_epoch
    session.permanent = True


def end_session() -> str | None:
    """Log out, ending the account's sessions everywhere (a copy of this cookie too), and clear the
    session; returns how the login was made (for RP-initiated logout)."""
    via = session.get(VIA_KEY)
    account = current_user._get_current_object() if current_user.is_authenticated else None
    if isinstance(account, (User, PlatformUser)):
        end_all_sessions(account, account.label)
    logout_user()
    rotate_session()
    return via


def init_app(app: Flask) -> None:
    """Set up Flask-Login with the tenant-scoped loader; not logged in leads to the login page."""
    login_manager.init_app(app)
    # The session is bound to host and timeouts by the loader; no remember-me cookie exists.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_account)

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        return login_redirect()
