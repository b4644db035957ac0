"""A valid set of answers for any form — for tests, demo data and previews of letters.

Every field gets a value that satisfies its type and limits (yes/no fields answer "yes", so
conditional parts are filled in too); answers of fields hidden by conditions are then dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from re import _parser as sre_parse
from typing import Any

from amtsweg.processes.conditions import prune_hidden
from amtsweg.processes.schema import (
    AddressField,
    AnyField,
    CheckboxesField,
    ChoiceField,
    DateField,
    EmailField,
    FileField,
    GroupField,
    IbanField,
    InfoField,
    MoneyField,
    NumberField,
    PhoneField,
    ProcessDefinition,
    TextField,
    YesNoField,
)

EXAMPLE_IBAN = "DE89370400440532013000"
EXAMPLE_ADDRESS = {"street": "Bahnhofstraße", "house_number": "1", "postal_code": "61267", "city": "Neu-Anspach"}


def valid_answers(definition: ProcessDefinition, today: dt.date | None = None) -> dict[str, Any]:
    """Answers that pass ``validate_answers`` for this definition."""
    if definition.form is None:
        return {}
    today = today or dt.date.today()
    answers = {
        fld.id: sample_value(fld, today)
        for fld in definition.form.top_fields()
        if not isinstance(fld, InfoField)
    }
    return prune_hidden(definition.form, answers)


def sample_value(fld: AnyField, today: dt.date) -> Any:
    """A valid value for one field."""
    if isinstance(fld, TextField):
        return _sample_text(fld)
    if isinstance(fld, EmailField):
        return "erika.mustermann@example.org"
    if isinstance(fld, PhoneField):
        return "06081 123456"
    if isinstance(fld, NumberField):
        return _sample_number(fld)
    if isinstance(fld, MoneyField):
        cents = fld.min_cents if fld.min_cents is not None else 5000
        return min(cents, fld.max_cents) if fld.max_cents is not None else cents
    if isinstance(fld, DateField):
        return _sample_date(fld, today).isoformat()
    if isinstance(fld, ChoiceField):
        return fld.options[0].value
    if isinstance(fld, CheckboxesField):
        return [o.value for o in fld.options[: max(fld.min_selected or 0, 1)]]
    if isinstance(fld, YesNoField):
        return True
    if isinstance(fld, AddressField):
        return {**EXAMPLE_ADDRESS, "country": "DE"} if fld.country else dict(EXAMPLE_ADDRESS)
    if isinstance(fld, IbanField):
        return EXAMPLE_IBAN
    if isinstance(fld, FileField):
        return [{"name": f"nachweis.{fld.accept[0]}", "size": 2048}]
    if isinstance(fld, GroupField):
        item = {sub.id: sample_value(sub, today) for sub in fld.fields if not isinstance(sub, InfoField)}
        return [dict(item) for _ in range(max(fld.min_items, 1))]
    raise TypeError(f"no sample for field type {fld.type}")


def _sample_text(fld: TextField) -> str:
    text = example_for_pattern(fld.pattern) if fld.pattern else "Beispielangabe"
    if len(text) < (fld.min_length or 0) and not fld.pattern:
        text = text.ljust(fld.min_length or 0, "x")
    return text[: fld.effective_max_length]


def _sample_number(fld: NumberField) -> float | int:
    value: float = fld.min if fld.min is not None else (min(1, fld.max) if fld.max is not None else 1)
    if fld.integer:
        return math.ceil(value)
    return int(value) if float(value).is_integer() else value


def _sample_date(fld: DateField, today: dt.date) -> dt.date:
    lowest, highest = fld.bounds(today)
    if fld.future_only:
        lowest = max(lowest or today, today)
    if fld.past_only:
        highest = min(highest or today, today)
    if lowest and highest:
        return lowest + (highest - lowest) / 2
    return lowest or highest or today


def example_for_pattern(pattern: str) -> str:
    """The shortest simple string matching a regular expression (common constructs only)."""
    text = _generate(sre_parse.parse(pattern))
    if not re.fullmatch(pattern, text):
        raise ValueError(f"cannot build an example for pattern {pattern!r}")
    return text


_CATEGORY_SAMPLES = {
    sre_parse.CATEGORY_DIGIT: "1",
    sre_parse.CATEGORY_WORD: "a",
    sre_parse.CATEGORY_SPACE: " ",
    sre_parse.CATEGORY_NOT_DIGIT: "a",
    sre_parse.CATEGORY_NOT_WORD: "-",
    sre_parse.CATEGORY_NOT_SPACE: "a",
}


def _generate(parsed: Any) -> str:
    out = []
    for op, arg in parsed:
        if op is sre_parse.LITERAL:
            out.append(chr(arg))
        elif op is sre_parse.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is sre_parse.ANY:
            out.append("a")
        elif op is sre_parse.IN:
            out.append(_sample_in(arg))
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_generate(sub) * low)
        elif op is sre_parse.SUBPATTERN:
            out.append(_generate(arg[-1]))
        elif op is sre_parse.BRANCH:
            out.append(_generate(arg[1][0]))
        elif op is sre_parse.CATEGORY:
            out.append(_CATEGORY_SAMPLES[arg])
        elif op is not sre_parse.AT:
            raise ValueError(f"unsupported regular expression construct {op}")
    return "".join(out)


def _sample_in(items: list[tuple[Any, Any]]) -> str:
    if items and items[0][0] is sre_parse.NEGATE:
        excluded = _generate([i for i in items[1:] if i[0] is not sre_parse.RANGE])
        return next(c for c in "aZ1-" if c not in excluded)
    op, arg = items[0]
    if op is sre_parse.LITERAL:
        return chr(arg)
    if op is sre_parse.RANGE:
        return chr(arg[0])
    return _CATEGORY_SAMPLES[arg]
