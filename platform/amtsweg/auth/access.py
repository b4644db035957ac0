"""View guards: login and role checks for the town hosts and the admin host."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.roles import (
    CASH_OFFICE,
    CLERK,
    CONTRACTS_EDITOR,
    CONTRACTS_VIEWER,
    PLATFORM_ADMIN,
    TEAM_LEAD,
    TENANT_ADMIN,
)
from amtsweg.web import render_error

__all__ = [
    "CASH_OFFICE",
    "CLERK",
    "CONTRACTS_EDITOR",
    "CONTRACTS_VIEWER",
    "PLATFORM_ADMIN",
    "TEAM_LEAD",
    "TENANT_ADMIN",
    "login_redirect",
    "platform_admin_required",
    "roles_required",
]

View = TypeVar("View", bound=Callable[..., Any])


def login_redirect() -> Any:
    """Send the visitor to the login page, coming back to this page afterwards."""
    return redirect(url_for("auth.login", weiter=request.full_path.rstrip("?")))


def _refused() -> Any:
    return render_error(403, gettext("Ihrem Konto fehlt die Berechtigung für diese Seite. Wenden Sie sich an "
                                     "die Verwaltung Ihrer Kommune, wenn Sie sie benötigen."))


def roles_required(*roles: str) -> Callable[[View], View]:
    """Town views: a logged-in account of this town holding at least one of ``roles``.

    Not logged in → the login page (with the way back); logged in without the role → 403.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not isinstance(current_user._get_current_object(), User):
                return login_redirect()
            if roles and not current_user.has_role(*roles):
                return _refused()
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorator


def platform_admin_required(view: View) -> View:
    """Admin-host views: a logged-in platform administrator."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        site = g.get("site")
        if site is None or site.kind != "admin":
            return render_error(404)
        user = current_user._get_current_object()
        if not current_user.is_authenticated or not isinstance(user, PlatformUser):
            return login_redirect()
        if not user.has_role(PLATFORM_ADMIN):
            return _refused()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
