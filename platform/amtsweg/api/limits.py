"""Rate limits per API key (Flask-Limiter): every key of a town has its own budget
(``API_RATE_LIMIT``); calls without a key share one per client address. Counted in Redis when
``REDIS_URL`` is set (one budget across all workers), otherwise in the process's memory; a Redis
outage lets calls through rather than failing them. Over the limit: a ``rate-limited`` problem
with ``Retry-After``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from amtsweg.tenancy import current_tenant_or_none


def _budget() -> str:
    """The key's id (the middle part of ``amtsweg.<id>.<secret>``) in its town, else the address."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    token_id = key.strip().split(".")[1:2] if scheme.lower() == "bearer" else []
    tenant = current_tenant_or_none()
    if token_id and tenant is not None:
        return f"key:{tenant.id}:{token_id[0][:16]}"
    return f"address:{get_remote_address()}"


def init_app(app: Flask, blueprint: Blueprint) -> Limiter:
    """A limiter of this app for the API's blueprint (call before registering the blueprint)."""
    timeout = float(app.config["REDIS_TIMEOUT"])
    options: dict[str, Any] = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    limiter = Limiter(
        key_func=_budget,
        app=app,
        storage_uri=app.config["REDIS_URL"] or "memory://",
        storage_options=options if app.config["REDIS_URL"] else {},
        headers_enabled=True,
        swallow_errors=True,
        key_prefix="amtsweg-api",
    )
    limiter.limit(lambda: str(current_app.config["API_RATE_LIMIT"]))(blueprint)
    return limiter
