"""Keys and calls for the API tests: a key is issued through the domain service, as the town's
administration page does, and calls go to the town's host with it as bearer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from amtsweg.auth import api_tokens
from amtsweg.clock import today_in_germany
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client

ALL_SCOPES = tuple(api_tokens.SCOPES)


def issue_key(app, town: str, scopes=ALL_SCOPES, roles=("clerk",), name: str = "Fachverfahren",
              days: int = 30) -> str:
    """A new key of ``town``; returns the key itself."""
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return api_tokens.issue(name, scopes, roles, today_in_germany() + timedelta(days=days), "Test").key


class ApiClient:
    """Calls a town's API with a key (or none)."""

    def __init__(self, app, town: str, key: str | None) -> None:
        self.client = town_client(app, town)
        self.key = key

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers(headers), **kwargs)

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers(headers), **kwargs)


def api(app, town: str, key: str | None = None, **issue: Any) -> ApiClient:
    """A client of ``town``'s API with ``key`` (a new key of the town with ``issue``'s settings if None)."""
    return ApiClient(app, town, key if key is not None else issue_key(app, town, **issue))
