"""Server-side validation of a form's answers, field by field, with messages in the page's language.

Answers are the typed values kept on a case (see docs/process-format.md, "Answers"): text as
strings, numbers as numbers, money as integer cents, dates as ISO strings, yes/no as booleans,
checkboxes and files as lists, addresses as dicts and groups as lists of dicts. Each field type
checks its own answers (``FieldDefinition.validate_answer``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from amtsweg.forms.conditions import field_states
from amtsweg.forms.form import FormOwner

Errors = dict[str, str]


def validate_answers(definition: FormOwner, answers: dict[str, Any], today: dt.date | None = None) -> Errors:
    """``{field_path: message}`` for every problem; empty when the answers can be submitted.

    Hidden fields are not checked (their answers are dropped when the case is stored).
    """
    if definition.form is None:
        return {}
    today = today or dt.date.today()
    errors: Errors = {}
    for state in field_states(definition.form, answers):
        if state.field.takes_input:
            for below, message in state.field.validate_answer(state.value, state.required, today).items():
                errors[f"{state.path}.{below}" if below else state.path] = message
    return errors
