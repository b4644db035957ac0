"""Each API key has its own rate limit (Flask-Limiter); over it a call is a 429 problem with
Retry-After, and other keys go on working."""

from __future__ import annotations

import pytest
from api.helpers import api


@pytest.fixture
def app_overrides():
    return {"API_RATE_LIMIT": "3 per minute"}


def test_each_key_has_its_own_rate_limit_and_over_it_gets_429_with_retry_after(app):
    first, second = api(app, "usingen"), api(app, "usingen")
    assert [first.get("/catalogue").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/catalogue")
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert limited.get_json()["type"].endswith("#problem-rate-limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert second.get("/catalogue").status_code == 200
