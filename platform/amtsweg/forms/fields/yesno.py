"""A yes/no question; the answer is true or false."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from flask_babel import gettext

from amtsweg.forms.base import FieldErrors, InputField, LogicType, field_type

# The radio buttons' values and the answers they stand for.
CHOICES = {"ja": True, "nein": False}
YES_NO = {"de": ("Ja", "Nein"), "en": ("Yes", "No")}


@field_type
class YesNoField(InputField):
    type: Literal["yesno"]

    logic_type: ClassVar[LogicType] = "boolean"

    def parse_text(self, text: str) -> Any:
        return CHOICES.get(text, text)

    def input_value(self, value: Any) -> Any:
        return ("ja" if value else "nein") if isinstance(value, bool) else super().input_value(value)

    def answer_text(self, value: Any, locale: str) -> str:
        if isinstance(value, bool):
            return YES_NO.get(locale, YES_NO["de"])[0 if value else 1]
        return super().answer_text(value, locale)

    def missing_message(self) -> str:
        return gettext("Bitte wählen Sie eine Antwort aus.")

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if not isinstance(value, bool):
            return {"": gettext("Bitte wählen Sie „Ja“ oder „Nein“.")}
        return {}

    def sample(self, today: dt.date) -> bool:
        return True
