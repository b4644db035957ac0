"""Rate limits per client address (Flask-Limiter) on the pages an attacker would hammer: lookups
of secret tokens and logins. A registry names the endpoints; each group shares one budget, so
guessing tokens on several pages at once counts once. Over the limit: the 429 error page (German
or English) with ``Retry-After``.

Counters live in Redis when ``REDIS_URL`` is set (one budget across all gunicorn workers and
hosts), otherwise in the process's memory. A Redis outage lets requests through rather than
failing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Scope (shared budget) → the setting holding its limit.
SCOPES = {"token-lookups": "TOKEN_LOOKUP_LIMIT", "logins": "LOGIN_LIMIT"}
# Endpoint → scope.
LIMITED_ENDPOINTS = {
    "status.show": "token-lookups",
    "status.answer": "token-lookups",
    "status.withdraw": "token-lookups",
    "status.receipt": "token-lookups",
    "status.document": "token-lookups",
    "status.pay": "token-lookups",
    "payment.show": "token-lookups",
    "payment.check": "token-lookups",
    "payment.retry": "token-lookups",
    "application.resume": "token-lookups",
    "contracts.calendar_feed": "token-lookups",
    "auth.sso_start": "logins",
    "auth.sso_callback": "logins",
    "auth.development_login": "logins",
    "account.login": "logins",
    "account.callback": "logins",
}


def _limit_of(setting: str) -> Callable[[], str]:
    return lambda: str(current_app.config[setting])


def init_app(app: Flask) -> Limiter:
    """A limiter of this app (its limits are registered per view, so each app has its own) keyed by
    the client address (the visitor's behind nginx, through ProxyFix); call after the blueprints."""
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    timeout = float(app.config["REDIS_TIMEOUT"])
    if app.config["REDIS_URL"]:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    app.config["RATELIMIT_KEY_PREFIX"] = "amtsweg-limits"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    limiter = Limiter(key_func=get_remote_address, app=app)
    for endpoint, scope in LIMITED_ENDPOINTS.items():
        limited: Any = limiter.shared_limit(_limit_of(SCOPES[scope]), scope=scope)(app.view_functions[endpoint])
        app.view_functions[endpoint] = limited
    return limiter
