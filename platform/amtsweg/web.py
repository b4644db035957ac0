"""The web kernel: what every page shares (template context, language switch, error pages) and small
helpers of the faces (safe redirects, query-string numbers, downloads). Imports no domain module.

A machine face (the JSON API) registers its path prefix with :func:`register_machine_face`: its
errors, routing errors included, are rendered by the face's own function instead of the HTML error
page, its requests have no cookie session (nothing is read from or written to a cookie), and their
language comes from the ``Accept-Language`` header (:mod:`amtsweg.i18n`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, g, redirect, render_template, request, send_file, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import get_locale, gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, ServiceUnavailable
from werkzeug.wrappers import Response as WerkzeugResponse

from amtsweg.extensions import db

# Path prefix of a machine face → its error renderer (the HTTP error → the response).
ErrorRenderer = Callable[[HTTPException], Any]
_MACHINE_FACES: dict[str, ErrorRenderer] = {}

ERROR_TEXTS = {
    400: (lazy_gettext("Ungültige Anfrage"), lazy_gettext("Die Anfrage konnte nicht verarbeitet werden.")),
    403: (lazy_gettext("Zugriff verweigert"), lazy_gettext("Sie haben keine Berechtigung für diese Seite.")),
    404: (
        lazy_gettext("Seite nicht gefunden"),
        lazy_gettext("Die aufgerufene Seite gibt es nicht. Bitte prüfen Sie die Adresse."),
    ),
    405: (lazy_gettext("Nicht erlaubt"), lazy_gettext("Diese Aktion ist hier nicht möglich.")),
    413: (
        lazy_gettext("Datei zu groß"),
        lazy_gettext("Die gesendeten Daten sind zu groß. Bitte laden Sie kleinere Dateien hoch."),
    ),
    409: (
        lazy_gettext("Nicht mehr möglich"),
        lazy_gettext("Der Vorgang wurde inzwischen geändert, daher ist diese Aktion nicht mehr möglich. Bitte laden "
                     "Sie die Seite neu."),
    ),
    410: (lazy_gettext("Nicht mehr vorhanden"), lazy_gettext("Diese Seite gibt es nicht mehr.")),
    416: (
        lazy_gettext("Bereich nicht verfügbar"),
        lazy_gettext("Der angeforderte Teil der Datei ist nicht verfügbar. Bitte laden Sie die Datei vollständig "
                     "herunter."),
    ),
    429: (
        lazy_gettext("Zu viele Anfragen"),
        lazy_gettext("Sie haben in kurzer Zeit zu viele Anfragen gesendet. Bitte warten Sie einen Moment und "
                     "versuchen Sie es dann erneut."),
    ),
    500: (
        lazy_gettext("Interner Fehler"),
        lazy_gettext("Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."),
    ),
    503: (
        lazy_gettext("Vorübergehend nicht erreichbar"),
        lazy_gettext("Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einigen Minuten "
                     "noch einmal."),
    ),
}
# Any other client error (4xx) gets this text, any other server error the one of 500; the status stays.
CLIENT_ERROR_TEXT = (
    lazy_gettext("Anfrage nicht möglich"),
    lazy_gettext("Die Anfrage konnte nicht ausgeführt werden. Bitte prüfen Sie die Adresse und Ihre Eingaben."),
)
error_log = logging.getLogger("amtsweg.errors")


def safe_next_path(target: str | None) -> str:
    """A local path to return to; anything pointing elsewhere becomes '/'."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def small_int(value: str) -> int | None:
    """A query-string number as an int, or None: ASCII digits only ("²" is a digit to Python but
    no number) and short enough for an integer column."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def attachment(content: bytes, content_type: str, filename: str) -> Response:
    """A download that is never cached; Flask's send_file quotes the name and encodes non-ASCII
    names (RFC 2231), so no file name can break the header."""
    response = send_file(io.BytesIO(content), mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def leave_after_form(target: str) -> Response | WerkzeugResponse:
    """Answer a sent form by going to ``target``. Within this site that is a redirect; another site
    (an identity provider's logout) is reached through a page that forwards, because the pages'
    ``form-action 'self'`` policy stops a form's redirect at the site's border."""
    parts = urlsplit(target)
    if not parts.netloc or parts.netloc == request.host:
        return redirect(target)
    return Response(render_template("forwarding.html", target=target), mimetype="text/html")


def register_machine_face(prefix: str, render: ErrorRenderer) -> None:
    """Requests under ``prefix`` belong to a machine face: ``render(error)`` answers their errors."""
    _MACHINE_FACES[prefix] = render


def machine_face_renderer(path: str) -> ErrorRenderer | None:
    """The error renderer of the machine face serving ``path``, None for pages."""
    return next((render for prefix, render in _MACHINE_FACES.items() if path.startswith(prefix)), None)


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session of the pages; a machine face's requests get none (a cookie sent
    to the API is neither read nor refreshed, so a browser's login can never act there)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if machine_face_renderer(request.path) is not None:
            return None  # Flask then uses a null session, which it never saves
        return super().open_session(app, request)


def request_limit_mb() -> int:
    """How many megabytes one request (a form with its files) may carry."""
    return request_limit_bytes() // (1024 * 1024)


def request_limit_bytes() -> int:
    """How many bytes one request may carry (the form's script checks the chosen files against it)."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def too_large_message() -> str:
    """What a form says when the files sent with it went over the request limit."""
    return gettext("Die ausgewählten Dateien sind zusammen größer als %(size)d MB und wurden nicht gesendet. "
                   "Bitte laden Sie sie einzeln nacheinander hoch.", size=request_limit_mb())


def choose_language(code: str) -> bool:
    """Show the pages in ``code`` from now on; False when the platform does not speak it."""
    if code not in current_app.config["LANGUAGES"]:
        return False
    session["locale"] = code
    return True


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """The error page for ``status``, with ``message`` instead of the standard text when given."""
    title, text = ERROR_TEXTS.get(status) or (CLIENT_ERROR_TEXT if status < 500 else ERROR_TEXTS[500])
    return render_template("error.html", status=status, title=title, text=message or text), status


def _error_page(status: int, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """The branded page for ``status``; a plain one if even that cannot be rendered, so that the
    response still passes the after-request hooks (security headers, request id, log line)."""
    try:
        body, _ = render_error(status)
    except Exception:
        error_log.exception("error page for %s could not be rendered", status)
        body = f"<!DOCTYPE html><title>{status}</title><h1>{status}</h1>"
    response = current_app.response_class(body, status, mimetype="text/html")
    for name, value in headers:
        # The exception's own headers (Allow, Retry-After, Content-Range) belong to the answer.
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _forget_failed_transaction() -> None:
    """A database error leaves the session's transaction unusable; the error page may need the
    database (the logged-in account), so it starts afresh."""
    try:
        db.session.rollback()
    except Exception:
        error_log.exception("rollback before the error page failed")
        db.session.remove()


def init_app(app: Flask) -> None:
    """Register the shared template context, the language switch, the error pages and the session."""
    app.session_interface = SessionInterface()

    @app.context_processor
    def page_context() -> dict[str, Any]:
        site = g.get("site")
        return {
            "site": site,
            "tenant": site.tenant if site else None,
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
        }

    # A global, not context: the form fields' macros are imported without the page's context.
    app.add_template_global(request_limit_mb)
    app.add_template_global(request_limit_bytes)
    app.add_template_global(too_large_message)

    @app.route("/sprache/<code>")
    def switch_language(code: str) -> WerkzeugResponse:
        if not choose_language(code):
            raise NotFound()
        return redirect(safe_next_path(request.args.get("weiter")))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            str(lazy_gettext("Das Formular ist abgelaufen oder unvollständig. Bitte laden Sie die Seite neu "
                             "und senden Sie es erneut.")),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        if error.code != 404:
            error_log.log(logging.ERROR if error.code >= 500 else logging.INFO, "HTTP %s %s: %s", error.code,
                          error.name, error.description)
        if error.code >= 500:
            _forget_failed_transaction()
        machine = machine_face_renderer(request.path)
        if machine is not None:
            return machine(error)
        return _error_page(error.code, error.get_headers())

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Any:
        error_log.exception("unhandled error")
        _forget_failed_transaction()
        # The database being unreachable (e.g. restarting) is a passing outage, not a fault.
        outage = isinstance(error, OperationalError)
        machine = machine_face_renderer(request.path)
        if machine is not None:
            return machine(ServiceUnavailable() if outage else InternalServerError())
        return _error_page(503 if outage else 500)
