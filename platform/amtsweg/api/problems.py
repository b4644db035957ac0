"""Errors of the JSON API as problem details (RFC 9457, ``application/problem+json``).

Each kind of error is a :class:`ProblemType` in :data:`PROBLEM_TYPES`: its ``type`` URI points to
its entry on the reference page, title and default detail are in the caller's language
(``Accept-Language``). HTTP errors (routing, limits) and refusals of the domain
(:class:`~amtsweg.errors.DomainError`) map onto them here, so no view needs a try/except.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, url_for
from flask_babel import get_locale, lazy_gettext
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from amtsweg.api.schemas import FieldError, Problem
from amtsweg.documents.services import UploadRejected
from amtsweg.errors import DomainError, NotAllowed

MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    """One kind of error: its status, its title and the detail given when nothing more is known."""

    slug: str
    status: int
    title: Any
    detail: Any


PROBLEM_TYPES = {problem.slug: problem for problem in (
    ProblemType("invalid-request", 400, lazy_gettext("Ungültige Anfrage"),
                lazy_gettext("Die Anfrage enthält ungültige oder unbekannte Angaben; „errors“ nennt sie einzeln.")),
    ProblemType("invalid-json", 400, lazy_gettext("Kein gültiges JSON"),
                lazy_gettext("Der Inhalt der Anfrage ist kein gültiges JSON-Objekt.")),
    ProblemType("invalid-cursor", 400, lazy_gettext("Ungültiger Cursor"),
                lazy_gettext("Der Cursor gehört zu einer anderen Abfrage oder Kommune oder ist beschädigt. Fragen "
                             "Sie die erste Seite ohne Cursor ab.")),
    ProblemType("unauthorized", 401, lazy_gettext("API-Schlüssel erforderlich"),
                lazy_gettext("Senden Sie einen gültigen API-Schlüssel dieser Kommune im Kopf „Authorization: "
                             "Bearer …“.")),
    ProblemType("missing-scope", 403, lazy_gettext("Berechtigung fehlt"),
                lazy_gettext("Dem API-Schlüssel fehlt die Berechtigung für diese Operation.")),
    ProblemType("not-found", 404, lazy_gettext("Nicht gefunden"),
                lazy_gettext("Diese Adresse oder dieses Objekt gibt es hier nicht.")),
    ProblemType("method-not-allowed", 405, lazy_gettext("Methode nicht erlaubt"),
                lazy_gettext("Diese Adresse unterstützt die HTTP-Methode nicht; „Allow“ nennt die erlaubten.")),
    ProblemType("not-allowed", 409, lazy_gettext("Nicht möglich"),
                lazy_gettext("Das ist im aktuellen Bearbeitungsstand oder mit den Rollen des Schlüssels nicht "
                             "möglich. Es wurde nichts geändert.")),
    ProblemType("too-large", 413, lazy_gettext("Anfrage zu groß"),
                lazy_gettext("Die Anfrage ist größer als erlaubt.")),
    ProblemType("unsupported-media-type", 415, lazy_gettext("Nicht unterstütztes Format"),
                lazy_gettext("Senden Sie den Inhalt als JSON („Content-Type: application/json“).")),
    ProblemType("refused", 422, lazy_gettext("Abgelehnt"),
                lazy_gettext("Die Angaben wurden geprüft und abgelehnt. Es wurde nichts geändert.")),
    ProblemType("rate-limited", 429, lazy_gettext("Zu viele Anfragen"),
                lazy_gettext("Dieser API-Schlüssel hat sein Kontingent ausgeschöpft. Versuchen Sie es nach der in "
                             "„Retry-After“ genannten Zahl von Sekunden erneut.")),
    ProblemType("server-error", 500, lazy_gettext("Interner Fehler"),
                lazy_gettext("Es ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.")),
)}
# The problem type of an HTTP error raised by routing, Werkzeug or the rate limiter.
STATUS_TYPES = {problem.status: slug for slug, problem in reversed(PROBLEM_TYPES.items())}
# A domain refusal → its problem type (the most specific class wins).
REFUSALS: dict[type[DomainError], str] = {UploadRejected: "refused", NotAllowed: "not-allowed", DomainError: "refused"}
# pydantic's error types → what the person reading the problem is told (the rest: "invalid").
FIELD_MESSAGES = {
    "missing": lazy_gettext("Diese Angabe fehlt."),
    "extra_forbidden": lazy_gettext("Dieses Feld ist nicht vorgesehen."),
    "type": lazy_gettext("Der Wert hat nicht den erwarteten Typ."),
    "too_long": lazy_gettext("Der Wert ist zu lang."),
    "too_short": lazy_gettext("Der Wert ist zu kurz oder leer."),
    "range": lazy_gettext("Der Wert liegt außerhalb des erlaubten Bereichs."),
    "choice": lazy_gettext("Der Wert ist keiner der erlaubten Werte."),
    "pattern": lazy_gettext("Der Wert hat nicht das erwartete Format."),
    "invalid": lazy_gettext("Der Wert ist ungültig."),
}
_FIELD_KINDS = (
    ("missing", ("missing",)), ("extra_forbidden", ("extra_forbidden",)),
    ("too_long", ("too_long",)), ("too_short", ("too_short",)),
    ("range", ("greater_than", "less_than", "multiple_of")), ("choice", ("literal_error", "enum")),
    ("pattern", ("pattern_mismatch",)), ("type", ("_type", "_parsing")),
)


class ApiProblem(Exception):
    """Answer the call with problem ``slug``; ``detail`` replaces the type's default text."""

    def __init__(self, slug: str, detail: Any = None, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(slug)
        self.problem_type = PROBLEM_TYPES[slug]
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def _field_message(error_type: str) -> str:
    kind = next((kind for kind, parts in _FIELD_KINDS if any(part in error_type for part in parts)), "invalid")
    return str(FIELD_MESSAGES[kind])


def field_errors(error: ValidationError, location: str) -> list[FieldError]:
    """pydantic's faults as ``FieldError``s named ``<location>.<field path>``, one per field. Query
    strings are flat: a parameter's fault is named by the parameter alone (an optional one would
    otherwise report each type it may have)."""
    found: dict[str, FieldError] = {}
    for fault in error.errors():
        path = fault["loc"][:1] if location == "query" else fault["loc"]
        name = ".".join([location, *(str(part) for part in path)])
        found.setdefault(name, FieldError(field=name, message=_field_message(fault["type"]), code=fault["type"]))
    return list(found.values())


def type_uri(slug: str) -> str:
    """The address of the problem type's explanation on the reference page."""
    return url_for("api_pages.reference", _external=True, _anchor=f"problem-{slug}")


def response(problem: ApiProblem) -> Response:
    """The problem document as the answer to the current call."""
    kind = problem.problem_type
    body = Problem(type=type_uri(kind.slug), title=str(kind.title), status=kind.status,
                   detail=str(problem.detail or kind.detail), errors=problem.errors)
    answer = current_app.response_class(body.model_dump_json(), status=kind.status, mimetype=MEDIA_TYPE)
    answer.headers["Content-Language"] = str(get_locale())
    answer.headers["Cache-Control"] = "no-store"
    if kind.status == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="amtsweg"'
    answer.headers.update(problem.headers)
    return answer


def for_http_error(error: HTTPException) -> Response:
    """An HTTP error (unknown address, wrong method, rate limit, …) as a problem document, keeping
    the headers that belong to it (``Allow``, ``Retry-After``)."""
    slug = STATUS_TYPES.get(error.code or 500, "server-error")
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    return response(ApiProblem(slug, headers=headers))


def for_refusal(error: DomainError) -> Response:
    """A refusal of a domain module, with its own message as the detail."""
    slug = next(REFUSALS[kind] for kind in type(error).__mro__ if kind in REFUSALS)
    errors = [FieldError(field=f"body.{fault.path}" if fault.path else "body", message=str(fault.message),
                         code="refused") for fault in error.problems]
    return response(ApiProblem(slug, detail=str(error), errors=errors))
