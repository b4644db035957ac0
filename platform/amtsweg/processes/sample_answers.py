"""A valid set of answers for any form — for tests, demo data and previews of letters.

Every field gets its type's sample answer, which satisfies the field's limits (yes/no fields answer
"yes", so conditional parts are filled in too); answers of fields hidden by conditions are then
dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from amtsweg.forms.conditions import prune_hidden
from amtsweg.processes.schema import ProcessDefinition


def valid_answers(definition: ProcessDefinition, today: dt.date | None = None) -> dict[str, Any]:
    """Answers that pass ``validate_answers`` for this definition."""
    if definition.form is None:
        return {}
    today = today or dt.date.today()
    answers = {fld.id: fld.sample(today) for fld in definition.form.top_fields() if fld.takes_input}
    return prune_hidden(definition.form, answers)
