"""Forms of the statistics pages: the period filter's errors and the council report's outlook."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from amtsweg.reports.periods import InvalidSelection


class OutlookForm(FlaskForm):
    """The outlook a town writes for its report of one period (paragraphs separated by a blank line)."""

    ausblick = TextAreaField(_l("Ausblick"))


def selection_errors(error: InvalidSelection) -> dict[str, str]:
    """The filter's faults by field name (von, bis, leistung), the first per field."""
    errors: dict[str, str] = {}
    for problem in error.problems:
        errors.setdefault(problem.path, problem.message)
    return errors or {"": str(error)}
