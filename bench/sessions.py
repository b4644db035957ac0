"""Staff sessions and API keys for the load generator, made by the app's own login and key code.

The production configuration has no development login, and the benchmark does not run an identity
provider. So the bench signs the account in exactly as the SSO callback does after the provider's
answer (``sign_in_town_user`` / ``sign_in_platform_user``, then ``establish_session``) inside a
request context of the benchmarked app and host, and signs the resulting session with the app's
own session interface and secret key. The cookie is what a browser would hold after logging in.
"""

from __future__ import annotations

from flask import Flask, g, session

BENCH_ISSUER = "https://sso.bench.invalid"
TOWN_STAFF_ROLES = ["clerk", "team_lead", "contracts_viewer"]


def staff_cookie(app: Flask, host: str, roles: list[str] | None = None) -> str:
    """``Cookie`` header value of a freshly logged-in staff session on ``host`` (town or admin host)."""
    from amtsweg.auth.services import Identity, sign_in_platform_user, sign_in_town_user
    from amtsweg.auth.sessions import establish_session

    with app.test_request_context("/anmelden/rueckruf", base_url=f"https://{host}/"):
        # Resolves the host to its town (or the admin site) as every request does.
        app.preprocess_request()
        admin = g.site.kind == "admin"
        identity = Identity(
            BENCH_ISSUER, "sb-last", "sb-last@example.org", "Sachbearbeitung Last",
            ["platform_admin"] if admin else list(roles or TOWN_STAFF_ROLES),
        )
        account = sign_in_platform_user(identity) if admin else sign_in_town_user(identity)
        establish_session(account, "oidc")
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))  # type: ignore[attr-defined]
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def api_key(app: Flask, host: str, scopes: list[str]) -> str:
    """A new API key of ``host``'s town with ``scopes``, issued as the town's admin page issues it."""
    from datetime import timedelta

    from amtsweg.auth import api_tokens
    from amtsweg.clock import today_in_germany

    with app.test_request_context("/verwaltung/api", base_url=f"https://{host}/"):
        app.preprocess_request()
        issued = api_tokens.issue("Last", scopes, ["clerk"], today_in_germany() + timedelta(days=30), "bench")
    return issued.key
