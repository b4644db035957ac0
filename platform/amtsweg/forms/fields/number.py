"""A number, typed the German way (``2,5``)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, ClassVar, Literal, TypeGuard

from flask_babel import gettext
from pydantic import model_validator

from amtsweg.forms.base import FieldErrors, InputField, LogicType, field_type

_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def parse_number(raw: str) -> int | float | str:
    """``2,5`` or ``2.5`` → 2.5, ``12`` → 12; anything else stays as typed."""
    text = raw.replace(" ", "")
    if not _NUMBER.match(text):
        return raw
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() and "," not in text and "." not in text else value


def german_number(value: float) -> str:
    """A number with a decimal comma and no needless digits: 2.5 → ``2,5``."""
    return f"{value:g}".replace(".", ",")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@field_type
class NumberField(InputField):
    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False

    logic_type: ClassVar[LogicType] = "number"
    client_parse: ClassVar[str | None] = "decimal"

    @model_validator(mode="after")
    def _consistent(self) -> NumberField:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self

    def parse_text(self, text: str) -> int | float | str:
        return parse_number(text)

    def input_value(self, value: Any) -> Any:
        return german_number(value) if _is_number(value) else super().input_value(value)

    def answer_text(self, value: Any, locale: str) -> str:
        return german_number(value) if _is_number(value) else super().answer_text(value, locale)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if not _is_number(value):
            return {"": gettext("Bitte geben Sie eine Zahl ein.")}
        if self.integer and value != int(value):
            return {"": gettext("Bitte geben Sie eine ganze Zahl ein.")}
        if self.min is not None and value < self.min:
            return {"": gettext("Der Wert muss mindestens %(min)s sein.", min=german_number(self.min))}
        if self.max is not None and value > self.max:
            return {"": gettext("Der Wert darf höchstens %(max)s sein.", max=german_number(self.max))}
        return {}

    def sample(self, today: dt.date) -> float | int:
        value: float = self.min if self.min is not None else (min(1, self.max) if self.max is not None else 1)
        if self.integer:
            return math.ceil(value)
        return int(value) if float(value).is_integer() else value
