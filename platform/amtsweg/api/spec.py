"""One description of every API operation, used three ways: spectree validates the request against
its pydantic models (a fault becomes a problem document), the view's answer is serialised by its
response model, and the OpenAPI 3.1 document is generated from the same models.

An operation is declared with :func:`operation` above the view: the scope a key needs, the query
and body models, the answer's model and status, and the errors it can end in (the ones every
operation with a key can end in are added).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from werkzeug.exceptions import BadRequest

from amtsweg.api import problems
from amtsweg.api.schemas import Problem

BEARER = "bearer"
# Errors any operation that needs a key can end in: invalid request, no/invalid key, missing
# scope, unknown address, wrong method, rate limit.
KEYED_ERRORS = (400, 401, 403, 404, 405, 429)
PUBLIC_ERRORS = (404, 405, 429)
# Operations whose successful answer is the stored file itself, in its own content type.
_BINARY: set[str] = set()


def _refuse_invalid(request: Any, response: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """spectree's hook after validating a request: a fault becomes an ``invalid-request`` problem."""
    if isinstance(error, ValidationError):
        location = "body" if request.method in ("POST", "PUT", "PATCH") else "query"
        raise problems.ApiProblem("invalid-request", errors=problems.field_errors(error, location))


spec = SpecTree(
    "flask",
    mode="strict",
    title="amtsweg API",
    version="1",
    openapi_version="3.1.0",
    description=(
        "The JSON API of one town on its own host: cases, their documents and timeline, workflow steps, "
        "messages, and the town's catalogue. Every call needs a key of this town "
        "(`Authorization: Bearer amtsweg.…`), created by the town's administrators under /verwaltung/api; "
        "each operation names the scope it needs. Errors are problem details (RFC 9457)."
    ),
    validation_error_status=400,
    before=_refuse_invalid,
    # Schemas are named as the models are (the models' names are unique in the API).
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
    page_templates={},
    security_schemes=[SecurityScheme(name=BEARER, data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer", bearer_format="amtsweg.<id>.<secret>"))],
    security={BEARER: []},
)


def operation(
    *, tag: str, scope: str | None, query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
    answer: type[BaseModel] | None = None, status: int = 200, errors: Iterable[int] = (), binary: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., ResponseReturnValue]]:
    """Declare the decorated view as an API operation (see the module docstring). ``scope`` None:
    public, no key. ``binary``: the answer is a file, not ``answer``. The view may return a model
    (or a model and a status): the operation answers with its JSON."""

    def decorate(view: Callable[..., Any]) -> Callable[..., ResponseReturnValue]:
        codes = sorted({*(KEYED_ERRORS if scope else PUBLIC_ERRORS), *errors})
        responses: dict[str, Any] = {f"HTTP_{status}": None if binary else answer}
        responses.update({f"HTTP_{code}": Problem for code in codes})
        if binary:
            _BINARY.add(view.__name__)
        view.required_scope = scope  # type: ignore[attr-defined]
        validated: Callable[..., ResponseReturnValue] = spec.validate(
            query=query, json=body, resp=Response(**responses), tags=[tag], operation_id=view.__name__,
            security={BEARER: [scope]} if scope else {},
        )(view)
        return validated

    return decorate


def check_json_body() -> None:
    """Before a view that takes a body: it must be declared JSON (else 415) and be JSON (else 400);
    spectree then validates it against the operation's model."""
    if request.method not in ("POST", "PUT", "PATCH") or request.endpoint not in current_app.view_functions:
        return
    if request.mimetype != "application/json":
        raise problems.ApiProblem("unsupported-media-type")
    try:
        request.get_json()
    except BadRequest as exc:
        raise problems.ApiProblem("invalid-json") from exc


def required_scope(endpoint: str | None) -> str | None:
    """The scope the view of ``endpoint`` needs (None: public or no API view)."""
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "required_scope", None)


def document() -> dict[str, Any]:
    """The OpenAPI document: spectree's, with problem answers in their own media type and file
    downloads as binary content of any type."""
    generated = copy.deepcopy(spec.spec)
    for path_item in generated["paths"].values():
        for method in path_item.values():
            for code, answer in method["responses"].items():
                if code.startswith(("4", "5")):
                    answer["content"] = {problems.MEDIA_TYPE: answer["content"]["application/json"]}
                elif method["operationId"] in _BINARY:
                    answer["content"] = {"*/*": {"schema": {"type": "string", "contentMediaType":
                                                            "application/octet-stream"}}}
    return generated
