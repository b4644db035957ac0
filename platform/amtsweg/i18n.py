"""Language choice: the visitor's choice (session), else the town's default, else German; a machine
face's request (the JSON API, no session) asks for its language with ``Accept-Language``."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session

from amtsweg.web import machine_face_renderer


def select_locale() -> str:
    """The page's language: the visitor's choice, the town's default, or German."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Jobs and commands (domain messages raised there; a mail carries its own locale).
        return languages[0]
    if machine_face_renderer(request.path) is not None:
        return request.accept_languages.best_match(languages) or languages[0]
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    site = g.get("site")
    if site is not None and site.tenant is not None and site.tenant.default_locale in languages:
        return site.tenant.default_locale
    return languages[0]
