"""Who is calling: the bearer key of the current town, the scope the operation needs, and the audit
record of every call made with a key of this town."""

from __future__ import annotations

from flask import Response, g, request
from flask_babel import gettext

from amtsweg.api.problems import ApiProblem
from amtsweg.api.spec import required_scope
from amtsweg.auth import api_tokens
from amtsweg.auth.models import ApiToken
from amtsweg.cases.workflow import Actor


def calling_token() -> ApiToken:
    """The key of the current call (set before any keyed view runs)."""
    token: ApiToken = g.api_token
    return token


def acting() -> Actor:
    """The key as the actor of workflow steps: its label and roles."""
    token = calling_token()
    return Actor(token.label, tuple(token.roles))


def authenticate() -> None:
    """Before a keyed view: the call's key must be an active key of this town with the scope."""
    scope = required_scope(request.endpoint)
    if scope is None:
        return
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiProblem("unauthorized")
    try:
        token = api_tokens.authenticate(key.strip())
    except api_tokens.TokenRefused as refusal:
        # A revoked or expired key of this town is worth a line in the audit trail.
        g.api_audited_token = refusal.token
        raise ApiProblem("unauthorized", detail=str(refusal)) from refusal
    g.api_token = g.api_audited_token = token
    if scope not in token.scopes:
        raise ApiProblem("missing-scope", detail=gettext(
            "Dem API-Schlüssel fehlt die Berechtigung „%(scope)s“ für diese Operation.", scope=scope))


def audit(response: Response) -> Response:
    """After every call made with a key of this town (refused ones too): the audit record."""
    token = g.get("api_audited_token")
    if token is not None:
        api_tokens.record_call(token, request.method, request.path, response.status_code)
    return response

