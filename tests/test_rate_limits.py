"""Rate limits per client address on secret-token lookups and logins: over the limit a German (or
English) 429 page with Retry-After; other addresses are not affected; with Redis the budget is
shared by every worker."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import host_client, town_client
from support.logins import csrf_token_of

TOKEN_PATHS = [
    "/vorgang/kein-gueltiger-token",
    "/vorgang/kein-gueltiger-token/eingangsbestaetigung.pdf",
    "/antrag/hundesteuer-anmelden/fortsetzen/kein-gueltiger-token",
    "/sachbearbeitung/vertraege/kalender/kein-gueltiger-token.ics",
]


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"TOKEN_LOOKUP_LIMIT": "4 per minute", "LOGIN_LIMIT": "2 per minute"}


def _from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_token_lookups_of_one_address_share_one_budget_then_get_a_429_page(app):
    client = _from(town_client(app, "usingen"), "192.0.2.10")
    assert [client.get(path).status_code for path in TOKEN_PATHS] == [404, 404, 404, 404]
    refused = client.get(TOKEN_PATHS[0])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Zu viele Anfragen" in page and "Bitte warten Sie einen Moment" in page and "Fehlercode: 429" in page
    assert int(refused.headers["Retry-After"]) > 0
    # Another address, and pages without a token, are not affected.
    assert _from(town_client(app, "usingen"), "192.0.2.11").get(TOKEN_PATHS[0]).status_code == 404
    assert client.get("/leistungen").status_code == 200


def test_payment_pages_share_the_token_lookup_budget(app):
    client = _from(town_client(app, "usingen"), "192.0.2.13")
    paths = ["/zahlung/kein-gueltiger-token", TOKEN_PATHS[0]] * 2
    assert [client.get(path).status_code for path in paths] == [404, 404, 404, 404]
    assert client.get("/zahlung/kein-gueltiger-token").status_code == 429


def test_the_429_page_is_english_for_english_visitors(app):
    client = _from(town_client(app, "usingen"), "192.0.2.12")
    client.get("/sprache/en")
    for _ in range(4):
        client.get(TOKEN_PATHS[0])
    refused = client.get(TOKEN_PATHS[0])
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)


def test_logins_are_limited_per_address(app):
    client = _from(town_client(app, "usingen"), "192.0.2.20")
    page = client.get("/anmelden/entwicklung").get_data(as_text=True)
    data = {"csrf_token": csrf_token_of(page), "username": "", "roles": ["clerk"]}
    # The login page and the attempt count alike: page, attempt, then the limit.
    assert client.post("/anmelden/entwicklung", data=data).status_code == 400
    assert client.post("/anmelden/entwicklung", data=data).status_code == 429
    admin = _from(host_client(app, "admin.localhost"), "192.0.2.20")
    assert admin.get("/anmelden/entwicklung").status_code == 429


@pytest.mark.redis
def test_with_redis_every_worker_counts_against_the_same_budget(tmp_path, make_app, redis_server):
    redis_server.client().flushdb()
    workers = []
    for number in (1, 2):
        folder = tmp_path / f"worker-{number}"
        folder.mkdir()
        workers.append(make_app(folder, REDIS_URL=redis_server.url, TOKEN_LOOKUP_LIMIT="3 per minute"))
    first, second = (_from(town_client(app, "usingen"), "192.0.2.30") for app in workers)
    assert [first.get(TOKEN_PATHS[0]).status_code for _ in range(3)] == [404, 404, 404]
    assert second.get(TOKEN_PATHS[1]).status_code == 429
    assert any(b"amtsweg-limits" in key for key in redis_server.client().keys("*"))
