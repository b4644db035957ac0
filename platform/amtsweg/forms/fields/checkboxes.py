"""Any number of options, as checkboxes; the answer lists the chosen option values."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext
from pydantic import Field, model_validator
from werkzeug.datastructures import MultiDict

from amtsweg.forms.base import FieldErrors, LogicType, Option, field_type
from amtsweg.forms.fields.choice import OptionsField


@field_type
class CheckboxesField(OptionsField):
    type: Literal["checkboxes"]
    options: Annotated[list[Option], Field(min_length=1)]
    min_selected: Annotated[int, Field(ge=0)] | None = None
    max_selected: Annotated[int, Field(ge=1)] | None = None

    logic_type: ClassVar[LogicType] = "array"

    @model_validator(mode="after")
    def _consistent(self) -> CheckboxesField:
        if self.max_selected is not None and self.max_selected > len(self.options):
            raise ValueError("max_selected is greater than the number of options")
        if self.min_selected is not None and self.min_selected > (self.max_selected or len(self.options)):
            raise ValueError("min_selected is greater than max_selected or the number of options")
        return self

    def parse(self, form: MultiDict[str, Any], path: str, previous: Any) -> Any:
        return [v for v in form.getlist(path) if isinstance(v, str)] or None

    def input_value(self, value: Any) -> Any:
        return value if isinstance(value, list) else []

    def answer_text(self, value: Any, locale: str) -> str:
        if not isinstance(value, list):
            return super().answer_text(value, locale)
        return ", ".join(self.option_label(v, locale) for v in value)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        allowed = {o.value for o in self.options}
        if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
            return {"": gettext("Bitte wählen Sie nur unter den angebotenen Möglichkeiten aus.")}
        if len(set(value)) != len(value):
            return {"": gettext("Jede Möglichkeit kann nur einmal gewählt werden.")}
        if self.min_selected is not None and len(value) < self.min_selected:
            return {"": gettext("Bitte wählen Sie mindestens %(count)d Möglichkeiten aus.", count=self.min_selected)}
        if self.max_selected is not None and len(value) > self.max_selected:
            return {"": gettext("Bitte wählen Sie höchstens %(count)d Möglichkeiten aus.", count=self.max_selected)}
        return {}

    def sample(self, today: dt.date) -> list[str]:
        return [o.value for o in self.options[: max(self.min_selected or 0, 1)]]

    def var_known(self, rest: list[str]) -> bool:
        return len(rest) <= 1 and (not rest or rest[0].isdigit())
