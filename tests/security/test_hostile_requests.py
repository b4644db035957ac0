"""No request gets a server error: every route of the URL map, on a town's host, the admin host and
the member list, anonymous and logged in with every role, is requested with hypothesis-generated
hostile input — the wrong method, garbage and huge ids, overlong and control-character strings,
impossible dates, repeated and missing parameters, bad CSRF and secret tokens, another town's real
ids and tokens, another host — on SQLite and on PostgreSQL (column widths, NUL bytes and row-level
security only show there)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from amtsweg.auth.roles import PLATFORM_ROLES, TOWN_ROLES
from cases.applying import DOG, PERSON
from conftest import HostClient, host_of
from contracts.contract_support import FORM_DEFAULTS
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security.town_objects import TownObjects, fresh_login, make_town_objects, relax_rate_limits
from support.logins import csrf_token_of
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

OWN, OTHER = "usingen", "schmitten"
ADMIN_HOST, MEMBER_LIST_HOST = "admin.localhost", "localhost"
VISITORS = {
    "anonymous on a town": (host_of(OWN), ()),
    "town staff with every role": (host_of(OWN), TOWN_ROLES),
    "anonymous on the admin host": (ADMIN_HOST, ()),
    "platform administrator": (ADMIN_HOST, PLATFORM_ROLES),
    "anonymous on the member list": (MEMBER_LIST_HOST, ()),
    # Each town role alone meets the refusals of the pages the others open (fewer examples each).
    **{f"town staff as {role}": (host_of(OWN), (role,)) for role in TOWN_ROLES},
}
HOSTS = [host_of(OWN), host_of(OTHER), ADMIN_HOST, MEMBER_LIST_HOST, "unbekannt.localhost", "evil.example"]
WRONG_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
# Requests that end the visitor's session go last, so the walk stays logged in until then.
SESSION_ENDING = {"auth.logout", "account.logout", "town_accounts.end_town_sessions",
                  "platform_accounts.end_platform_sessions"}
# Query parameters the views read; unknown ones must be harmless too.
QUERY_NAMES = ["q", "suche", "seite", "status", "fachbereich", "art", "bereich", "bearbeiter", "kanal", "von", "zu",
               "sortierung", "absteigend", "weiter", "zurueck", "kommune", "kommunen", "vorgang", "a", "b", "version",
               "iss", "code", "state", "error", "page", "limit"]
FORM_NAMES = sorted({"aktion", "datenschutz", "wahrheit", "einreichung", "email", "nachricht", "notiz", "username",
                     "roles", "title", "bearbeiter", "vorgang", "vorgaenge", "enabled", "overrides", "source",
                     *FORM_DEFAULTS, *PERSON, *DOG})
SECRET_LIKE = ["x" * 43, "A" * 200, "a.b.c", "0" * 64]
STRING_VALUES = [
    "", " ", "0", "-1", "9" * 40, "1e309", "NaN", "-0", "0x10", "١٢٣", "½", "ä€𝄞", "\u202eevil", "\ufeff",
    "31.02.2026", "00.00.0000", "2026-13-45", "9999-12-31", "1.1.1", "-1.000.000.000.000,00", "1e12",
    "../../etc/passwd", "%00", "%2e%2e/", "<script>alert(1)</script>", "' OR '1'='1", "{{7*7}}${7*7}",
    "\x00", "a\x00b", "\x1b[31m", "\r\nSet-Cookie: x=y", "javascript:alert(1)", "//evil.example/", "https://evil.example/",
    *SECRET_LIKE,
]
INT_VALUES = [0, 1, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63, 10**40]
# Real values of arguments that are not a town's own objects.
SHARED_VALUES: dict[str, list[Any]] = {
    "slug": ["hundesteuer-anmelden", "gewerbe-anmelden"],
    "town": [OWN, OTHER],
    "code": ["de", "en"],
    "kind": ["csv", "xlsx"],
    "page": ["impressum", "datenschutz", "barrierefreiheit"],
    "number": [1, 2, 3, 4],
    "queue_name": ["mail", "documents", "default"],
    "filename": ["css/amtsweg.css", "kern.min.css"],
    "message_id": [1, 2],
    "user_id": [1, 2],
}
_ARGUMENT = re.compile(r"<(?:[^<>]*:)?(\w+)>")
_FIELD = re.compile(r'name="([^"]{1,80})"')

text = st.text(max_size=40)
huge = st.builds(lambda seed, times: (seed or "x") * times, st.text(min_size=1, max_size=3),
                 st.integers(min_value=1000, max_value=20_000))
hostile_text = st.one_of(st.sampled_from(STRING_VALUES), text, huge)
hostile_int = st.one_of(st.sampled_from(INT_VALUES), st.integers()).map(str)


def _hostile_value(real: list[Any]) -> st.SearchStrategy[str]:
    choices = [hostile_text, hostile_int]
    if real:
        choices.insert(0, st.sampled_from([str(value) for value in real]))
    return st.one_of(*choices)


@dataclass
class Probe:
    method: str
    host: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, Any]]
    upload: tuple[bytes, str] | None
    valid_csrf: bool

    def send(self, client: HostClient, csrf: str | None) -> Any:
        data: MultiDict[str, Any] = MultiDict(self.form)
        if self.valid_csrf and csrf:
            data.add("csrf_token", csrf)
        if self.upload is not None:
            data.add("file", (io.BytesIO(self.upload[0]), self.upload[1]))
        return client.open(
            self.path, method=self.method, base_url=f"http://{self.host}/", query_string=MultiDict(self.query),
            data=data if self.method != "GET" else None,
            content_type="multipart/form-data" if self.upload is not None else None,
        )


def _path(rule: Rule, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        safe = "/" if match.group(0).startswith("<path:") else ""
        return quote(values[match.group(1)], safe=safe)

    return _ARGUMENT.sub(fill, rule.rule)


def probes(rule: Rule, own_host: str, real: dict[str, list[Any]], form_names: list[str]) -> st.SearchStrategy[Probe]:
    """Requests of ``rule``: its own and a wrong method, each argument real or hostile, extra input."""
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    arguments = {name: _hostile_value(real.get(name, [])) for name in _ARGUMENT.findall(rule.rule)}
    return st.builds(
        Probe,
        method=st.sampled_from(methods + [m for m in WRONG_METHODS if m not in methods]),
        host=st.one_of(st.just(own_host), st.sampled_from(HOSTS)),
        path=st.fixed_dictionaries(arguments).map(lambda values: _path(rule, values)),
        query=st.lists(st.tuples(st.sampled_from(QUERY_NAMES), hostile_text), max_size=4),
        form=st.lists(st.tuples(st.sampled_from(form_names), hostile_text), max_size=8),
        upload=st.none() | st.tuples(st.binary(max_size=64), hostile_text),
        valid_csrf=st.booleans(),
    )


def _rules(app: Flask) -> list[Rule]:
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint in SESSION_ENDING, rule.rule))
    return [rule for rule in rules if rule.endpoint != "static" or "<" in rule.rule]


def _csrf(client: HostClient) -> str | None:
    """The session's CSRF token, from the first page of the host that has a form."""
    for path in ("/anmelden/entwicklung", "/antrag/hundesteuer-anmelden/", "/sachbearbeitung/vertraege/neu"):
        page = client.get(path)
        if page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True):
            return csrf_token_of(page.get_data(as_text=True))
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_app(request: pytest.FixtureRequest) -> Flask:
    application: Flask = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    relax_rate_limits(application)
    return application


@pytest.fixture
def towns(database_app: Flask) -> dict[str, TownObjects]:
    return {slug: make_town_objects(database_app, slug) for slug in (OWN, OTHER)}


def _real_values(towns: dict[str, TownObjects], endpoint: str) -> dict[str, list[Any]]:
    real = {name: list(values) for name, values in SHARED_VALUES.items()}
    for objects in towns.values():
        for name in ("reference", "token", "contract_id", "attachment_id", "document_id", "user_id", "transition_id"):
            real.setdefault(name, []).extend(objects.values_for(endpoint, name))
    return real


def _request_route(client: HostClient, csrf: str | None, rule: Rule, strategy: st.SearchStrategy[Probe],
                   examples: int, form_names: set[str]) -> list[tuple[str, str, int]]:
    """Send ``examples`` probes of ``rule``; the (endpoint, request, status) of each. Field names of
    the pages that answer are added to ``form_names`` for the routes after it."""
    answers: list[tuple[str, str, int]] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(probe=strategy)
    def request_route(probe: Probe) -> None:
        response = probe.send(client, csrf)
        answers.append((rule.endpoint, f"{probe.method} {probe.host}{probe.path[:200]}", response.status_code))
        assert response.status_code < 500, (rule.endpoint, probe)
        if response.status_code == 200 and response.mimetype == "text/html":
            form_names.update(_FIELD.findall(response.get_data(as_text=True)))

    request_route()
    return answers


def _walk(app: Flask, towns: dict[str, TownObjects], visitor: str, examples: int) -> Iterator[tuple[str, str, int]]:
    """Send ``examples`` hostile requests per route as ``visitor``; yields (endpoint, request, status) of each."""
    host, roles = VISITORS[visitor]
    client = fresh_login(app, host, roles, username="hostile-walker")
    csrf = _csrf(client)
    form_names = set(FORM_NAMES)
    for rule in _rules(app):
        strategy = probes(rule, host, _real_values(towns, rule.endpoint), sorted(form_names))
        yield from _request_route(client, csrf, rule, strategy, examples, form_names)


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_route_answers_hostile_input_with_a_server_error(database_app, towns, visitor):
    on_sqlite = database_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    examples = 2 if len(VISITORS[visitor][1]) == 1 else (6 if on_sqlite else 4)
    answers = list(_walk(database_app, towns, visitor, examples))

    assert [answer for answer in answers if answer[2] >= 500] == []
    assert {endpoint for endpoint, _, _ in answers} == {rule.endpoint for rule in _rules(database_app)}
    # The walk reached the views, not only the router: pages and refusals occur, and with more than
    # two examples per route (the first ones use the route's own methods) wrong methods too.
    statuses = {status for _, _, status in answers}
    assert {200, 404} <= statuses
    assert 405 in statuses or examples == 2
