"""Logging a test client in through the development login of its host (town or admin)."""

from __future__ import annotations

import re
from typing import Any

_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_of(html: str) -> str:
    """The CSRF token of the first form on a rendered page."""
    match = _CSRF_FIELD.search(html)
    if match is None:
        raise AssertionError("no csrf_token field on the page")
    return match.group(1) or match.group(2)


def login_as(client: Any, *roles: str, username: str = "sb-test") -> None:
    """Log ``client`` in on its host as ``username`` with ``roles`` (e.g. "clerk", "team_lead").

    Uses the real development login form (GET for the CSRF token, then POST), so the session is
    created exactly as in the app. On the admin host the only role is "platform_admin".
    """
    page = client.get("/anmelden/entwicklung")
    assert page.status_code == 200, f"development login not available: {page.status_code}"
    response = client.post(
        "/anmelden/entwicklung",
        data={"csrf_token": csrf_token_of(page.get_data(as_text=True)), "username": username, "roles": list(roles)},
    )
    assert response.status_code == 302, f"development login refused: {response.get_data(as_text=True)[:2000]}"
