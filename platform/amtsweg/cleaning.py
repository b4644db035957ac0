"""Control characters end at the request boundary, once, for every field.

PostgreSQL refuses U+0000 in text, and no other C0 control (or DEL) belongs in anything a person
types. Every form value, query value, JSON string and key of every request is read through
:class:`CleanRequest`, which drops them — tab and line breaks stay. A path whose variable parts
contain one names nothing and is a 404. Other inputs from outside (spreadsheet cells, identity
provider claims) go through :func:`strip_controls` where they are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import NotFound

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """``text`` without C0 control characters and DEL, except tab, line feed and carriage return."""
    return _CONTROLS.sub("", text)


def clean_value(value: Any) -> Any:
    """Strings (also inside lists and dicts, keys included) without control characters."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    return value


class CleanMultiDict(ImmutableMultiDict[str, Any]):
    """The request's form and query values with control characters removed (files stay as they are)."""

    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        raw: MultiDict[str, Any] = MultiDict(mapping)
        super().__init__([(strip_controls(key), clean_value(value)) for key, value in raw.items(multi=True)])


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return clean_value(super().get_json(force=force, silent=silent, cache=cache))


def init_app(app: Flask) -> None:
    """Make a path with a control character in a variable part a 404."""
    @app.url_value_preprocessor
    def _refuse_controls_in_paths(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if any(isinstance(value, str) and _CONTROLS.search(value) for value in (values or {}).values()):
            raise NotFound()
