"""The form engine: field types as registered classes (parse, validate, display, template), steps,
conditions; it turns a definition's form into pages and validates answers."""

from __future__ import annotations

from flask import Flask

from amtsweg.forms.base import localized, localized_language
from amtsweg.forms.display import error_entries
from amtsweg.forms.inputs import field_id


def init_app(app: Flask) -> None:
    """Names the form templates use, on every face's pages."""
    app.add_template_global(localized)
    app.add_template_global(localized_language)
    app.add_template_global(field_id)
    app.add_template_global(error_entries)
