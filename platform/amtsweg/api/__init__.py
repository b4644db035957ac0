"""The JSON API face: /api/v1 on each town's host, for the systems a town connects (DMS, cash
office, specialist applications, the state portal).

No business logic lives here: views parse with the models of :mod:`amtsweg.api.schemas`, call the
domain modules and answer with a model. Calls authenticate with a key of the host's town (bearer,
scopes, roles; :mod:`amtsweg.auth.api_tokens`), are audited and rate-limited per key; they carry
no cookies and need no CSRF token. Errors are problem documents (:mod:`amtsweg.api.problems`). The
OpenAPI document at /api/v1/openapi.json and the reference page for people at /api/referenz (a
page like any other, outside the machine prefix) are generated from the same models
(:mod:`amtsweg.api.spec`).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from amtsweg.sites import restrict_to

PREFIX = "/api/v1"
blueprint = Blueprint("api", __name__, url_prefix=PREFIX)
restrict_to(blueprint, "tenant")
pages = Blueprint("api_pages", __name__, url_prefix="/api", template_folder="templates")
restrict_to(pages, "tenant")


def init_app(app: Flask) -> None:
    """Register the API: its blueprint, key checks and audit, rate limits, problem documents for
    every error under its prefix, no CSRF (no cookies are accepted)."""
    from amtsweg.api import limits, problems, views  # noqa: F401 - views sets up the blueprint
    from amtsweg.extensions import csrf
    from amtsweg.web import register_machine_face

    register_machine_face(PREFIX + "/", problems.for_http_error)
    limits.init_app(app, blueprint)
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
    app.register_blueprint(pages)
