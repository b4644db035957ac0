"""Opaque, signed page cursors bound to one query of one town.

A cursor carries where the next page starts and a digest of what was asked (the town, the
operation, the filters). It is signed with the app's secret: a cursor that was altered, belongs to
another query or comes from another town's listing is refused with an ``invalid-cursor`` problem
instead of silently paging through something else.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from amtsweg.api.problems import ApiProblem
from amtsweg.tenancy import current_tenant

_SALT = "amtsweg.api.cursor"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)  # type: ignore[arg-type]


def query_key(operation: str, filters: dict[str, Any]) -> str:
    """What a cursor is bound to: the current town, the operation and its filters (JSON values)."""
    canonical = json.dumps([current_tenant().id, operation, filters], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def encode(key: str, after_id: int) -> str:
    """The cursor of the page that continues after the row ``after_id``."""
    return _serializer().dumps({"q": key, "after": after_id})


def decode(cursor: str, key: str) -> int:
    """The row after which the page of ``cursor`` starts; refuses a cursor of another query."""
    try:
        data = _serializer().loads(cursor)
    except BadData as exc:
        raise ApiProblem("invalid-cursor") from exc
    if not isinstance(data, dict) or data.get("q") != key or type(data.get("after")) is not int:
        raise ApiProblem("invalid-cursor")
    return int(data["after"])
