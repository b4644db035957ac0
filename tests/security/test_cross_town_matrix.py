"""The cross-town matrix: every route of the URL map that shows or changes one of a town's objects
(case, status link, contract, document, import preview, calendar feed, staff account), with every
method, requested with another town's object — by a logged-in member of staff with every role on
their own host, anonymously, with a session copied from another town's host, and on the admin host
and the member list — is a 404 or a refusal, never the object. On SQLite and on PostgreSQL, where
row-level security is a second wall behind the queries' scoping."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

import pytest
from amtsweg.auth.roles import PLATFORM_ROLES
from conftest import HostClient, host_client
from flask import Flask
from security.town_objects import TownObjects, fresh_login, make_town_objects, relax_rate_limits
from support.logins import csrf_token_of
from werkzeug.routing import Rule

OWN, OTHER = "usingen", "schmitten"
# URL arguments that name one town's object.
TENANT_ARGUMENTS = ("reference", "token", "contract_id", "attachment_id", "document_id", "user_id")
# A visitor who is no logged-in citizen is sent to the citizen login by the account pages: refused too.
CITIZEN_LOGIN = "/buergerkonto/anmelden"
# What a POST of these routes carries besides the CSRF token, so only the object decides the answer.
FORM = {"nachricht": "Hallo", "notiz": "Notiz", "bearbeiter": "", "title": "Titel"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_app(request: pytest.FixtureRequest) -> Flask:
    application: Flask = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    relax_rate_limits(application)
    return application


@pytest.fixture
def towns(database_app: Flask) -> dict[str, TownObjects]:
    return {slug: make_town_objects(database_app, slug) for slug in (OWN, OTHER)}


def _object_rules(app: Flask, own: TownObjects) -> list[Rule]:
    """Routes with an argument naming a town's object that this town has (the resume link has none)."""
    return [
        rule for rule in app.url_map.iter_rules()
        if (names := [name for name in rule.arguments if name in TENANT_ARGUMENTS])
        and all(own.values_for(rule.endpoint, name) for name in names)
    ]


def _path(rule: Rule, values: dict[str, Any]) -> str:
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _fill(rule: Rule, town: TownObjects) -> dict[str, Any]:
    return {name: town.values_for(rule.endpoint, name)[0] for name in rule.arguments}


def foreign_paths(rule: Rule, own: TownObjects, other: TownObjects) -> Iterator[str]:
    """The rule's URL with each object argument in turn, and all of them, taken from ``other``."""
    names = [name for name in rule.arguments if name in TENANT_ARGUMENTS]
    for chosen in product((False, True), repeat=len(names)):
        if any(chosen):
            foreign = {name for name, pick in zip(names, chosen, strict=True) if pick}
            values = {name: (other if name in foreign else own).values_for(rule.endpoint, name)[0]
                      for name in names}
            yield _path(rule, {**_fill(rule, own), **values})


def _refused(endpoint: str, status: int, location: str) -> bool:
    """A 404; on the citizen account pages also the way to the citizen login; on the JSON API (which
    takes an API key, never a session) the 401 asking for a key (tests/api/test_cross_town.py sends
    another town's key and ids)."""
    return (status == 404 or (endpoint.startswith("account.") and status == 302 and CITIZEN_LOGIN in location)
            or (endpoint.startswith("api.") and status == 401))


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _csrf(client: HostClient) -> str | None:
    """The session's CSRF token, so a POST reaches the view (None on a host without any form)."""
    for path in ("/sachbearbeitung/vertraege/neu", "/antrag/hundesteuer-anmelden/", "/anmelden/entwicklung"):
        page = client.get(path)
        if page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True):
            return csrf_token_of(page.get_data(as_text=True))
    return None


def _answers(client: HostClient, rule: Rule, paths: Iterator[str]) -> list[tuple[str, str, int, str]]:
    """(endpoint, method and path, status, redirect target) of every method of ``rule`` on each path."""
    csrf = _csrf(client)
    assert csrf is not None, f"no form on {client.host}"
    answers = []
    for path, method in product(list(paths), _methods(rule)):
        data = {**FORM, "csrf_token": csrf} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        answers.append((rule.endpoint, f"{method} {path}", response.status_code, response.headers.get("Location", "")))
    return answers


def _session_copied(app: Flask, source: HostClient, target_host: str) -> HostClient:
    """A client of ``target_host`` carrying the session cookie ``source`` got on its own host."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = source.get_cookie(name, domain=source.host)
    assert cookie is not None, "the source client has no session"
    client = host_client(app, target_host)
    client.set_cookie(name, cookie.value, domain=target_host)
    return client


def test_the_own_objects_open_on_their_own_host(database_app, towns):
    """The control row: the same routes with the town's own objects are no 404, so the 404s below
    come from the town boundary, not from wrong URLs."""
    own = towns[OWN]
    for rule in _object_rules(database_app, own):
        # The account pages need a logged-in citizen of the town; staff get their 404 there.
        if "GET" in _methods(rule) and not rule.endpoint.startswith("account."):
            path = _path(rule, _fill(rule, own))
            assert own.staff.get(path).status_code != 404, path


def test_staff_with_every_role_get_a_404_for_every_object_of_another_town(database_app, towns):
    own, other = towns[OWN], towns[OTHER]
    answers = [answer for rule in _object_rules(database_app, own)
               for answer in _answers(own.staff, rule, foreign_paths(rule, own, other))]

    assert len(answers) >= 20
    assert [(endpoint, request, status) for endpoint, request, status, location in answers
            if not _refused(endpoint, status, location)] == []


def test_anonymous_visitors_get_a_404_for_another_towns_secret_links(database_app, towns):
    own, other = towns[OWN], towns[OTHER]
    anonymous = host_client(database_app, own.host)
    # The links that work without a login (the import preview needs one: staff row above).
    token_rules = [rule for rule in _object_rules(database_app, own)
                   if "token" in rule.arguments and rule.endpoint != "contracts.import_preview"]
    answers = [answer for rule in token_rules for answer in _answers(anonymous, rule, foreign_paths(rule, own, other))]

    assert {rule.endpoint for rule in token_rules} >= {"status.show", "status.document", "contracts.calendar_feed"}
    assert [(endpoint, request, status) for endpoint, request, status, _ in answers if status != 404] == []


def test_a_session_from_another_towns_host_opens_nothing(database_app, towns):
    """Usingen's staff session cookie sent to Schmitten's host, for Schmitten's own objects: the
    session counts only on its own host, so it is the login page or a 404, never the object."""
    own, other = towns[OWN], towns[OTHER]
    # The signed cookie carries the session's CSRF token: POSTs pass that check and meet the login's.
    csrf = _csrf(own.staff)
    visitor = _session_copied(database_app, own.staff, other.host)
    staff_rules = [rule for rule in _object_rules(database_app, other) if "token" not in rule.arguments]
    answers = []
    for rule in staff_rules:
        path = _path(rule, _fill(rule, other))
        for method in _methods(rule):
            data = {**FORM, "csrf_token": csrf} if method == "POST" else None
            response = visitor.open(path, method=method, data=data)
            answers.append((rule.endpoint, f"{method} {path}", response.status_code,
                            response.headers.get("Location", "")))

    assert len(answers) >= 10
    # The copied cookie is a login where it was issued, so the refusals come from the host.
    assert _session_copied(database_app, own.staff, own.host).get("/sachbearbeitung/").status_code == 200
    assert [(request, status) for endpoint, request, status, location in answers
            if not (_refused(endpoint, status, location) or (status == 302 and "/anmelden" in location))] == []


@pytest.mark.parametrize("host", ["admin.localhost", "localhost"])
def test_a_towns_objects_do_not_exist_on_the_admin_host_or_the_member_list(database_app, towns, host):
    other = towns[OTHER]
    visitors = [host_client(database_app, host)]
    if host == "admin.localhost":
        visitors.append(fresh_login(database_app, host, PLATFORM_ROLES, username="verbund-admin"))
    answers = []
    for visitor, rule in product(visitors, _object_rules(database_app, other)):
        csrf = _csrf(visitor)
        path = _path(rule, _fill(rule, other))
        for method in _methods(rule):
            data = {**FORM, "csrf_token": csrf} if method == "POST" and csrf else None
            answers.append((method, path, visitor.open(path, method=method, data=data).status_code))

    assert len(answers) >= 20
    # 400: a POST on the member list, which has no form to take a CSRF token from, ends there.
    assert [answer for answer in answers if answer[2] != 404 and not (host == "localhost" and answer[2] == 400)] == []
