"""A case's status links: each one a secret token (see :mod:`amtsweg.tokens`) stored as a hash."""

from __future__ import annotations

from amtsweg.cases.models import CaseAccessToken
from amtsweg.extensions import db
from amtsweg.notifications.mail import town_context
from amtsweg.tenancy import current_tenant
from amtsweg.tokens import hash_token, new_token


def issue_case_token(case_id: int, purpose: str, token: str | None = None) -> str:
    """Add a status-link token for the case to the session (the caller commits); returns the token.

    ``purpose`` says where the link went: submission, mail or account.
    """
    token = token or new_token()
    db.session.add(CaseAccessToken(case_id=case_id, token_hash=hash_token(token), purpose=purpose))
    return token


def status_url(token: str) -> str:
    """The status page's address on the current town's host, for mails written outside a request."""
    return f"{town_context(current_tenant())['town_url']}vorgang/{token}"
