"""A case's status links: secret tokens (see :mod:`amtsweg.tokens`) stored as a hash, and signed links
for the citizen account's own view."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from amtsweg.cases.models import Case, CaseAccessToken
from amtsweg.extensions import db
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.links import external_url
from amtsweg.tokens import hash_token, new_token


def issue_case_token(case_id: int, purpose: str, token: str | None = None) -> str:
    """Add a status-link token for the case to the session (the caller commits); returns the token.

    ``purpose`` says where the link went: submission, mail or account.
    """
    token = token or new_token()
    db.session.add(CaseAccessToken(case_id=case_id, token_hash=hash_token(token), purpose=purpose))
    return token


def account_status_token(case: Case) -> str:
    """A status link for the citizen account's own view of the case: signed (HMAC-SHA256 with the
    app's secret) instead of stored, so opening it writes nothing; it carries the reference the
    account page already shows, no database id, and expires with an account session."""
    return _account_links().dumps(case.reference)


def reference_of_account_token(token: str) -> str | None:
    """The case reference an unexpired, untampered account link names, else None."""
    lifetime = int(current_app.permanent_session_lifetime.total_seconds())
    try:
        reference = _account_links().loads(token, max_age=lifetime)
    except BadData:
        return None
    return reference if isinstance(reference, str) else None


def _account_links() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="amtsweg.case-status.account",
                                  signer_kwargs={"digest_method": hashlib.sha256})


def status_url(token: str) -> str:
    """The status page's address on the current town's host, for mails written outside a request."""
    return external_url(current_tenant(), "status.show", token=token)
