"""The web kernel: what every page shares (template context, language switch, error pages) and small
helpers of the faces (safe redirects, query-string numbers, downloads). Imports no domain module."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, redirect, render_template, request, send_file, session
from flask_babel import get_locale, lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

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
    500: (
        lazy_gettext("Interner Fehler"),
        lazy_gettext("Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."),
    ),
}


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


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """The error page for ``status``, with ``message`` instead of the standard text when given."""
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    return render_template("error.html", status=status, title=title, text=message or text), status


def init_app(app: Flask) -> None:
    """Register the shared template context, the language switch and the error pages."""
    @app.context_processor
    def page_context() -> dict[str, Any]:
        site = g.get("site")
        return {
            "site": site,
            "tenant": site.tenant if site else None,
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
        }

    @app.route("/sprache/<code>")
    def switch_language(code: str) -> WerkzeugResponse:
        if code not in current_app.config["LANGUAGES"]:
            raise NotFound()
        session["locale"] = code
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
        return render_error(error.code if error.code in ERROR_TEXTS else 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        current_app.logger.exception("unhandled error")
        return render_error(500)
