"""One line of text (``text``) and several lines (``textarea``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, ClassVar, Literal

from flask_babel import gettext
from pydantic import Field, field_validator, model_validator

from amtsweg.forms.base import FieldErrors, InputField, PrefillShape, Text, field_type, localized
from amtsweg.forms.patterns import example_for_pattern


class _TextField(InputField):
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=1, le=100_000)] | None = None
    pattern: str | None = None
    pattern_message: Text | None = None

    default_max_length: ClassVar[int]
    prefill_shape: ClassVar[PrefillShape] = "value"

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> _TextField:
        if self.min_length is not None and self.min_length > self.effective_max_length:
            raise ValueError("min_length is greater than max_length")
        if self.pattern_message is not None and self.pattern is None:
            raise ValueError("pattern_message needs a pattern")
        return self

    @property
    def effective_max_length(self) -> int:
        """max_length with the documented default (200 for text, 4000 for textarea)."""
        return self.max_length if self.max_length is not None else self.default_max_length

    def check(self, value: object, today: dt.date) -> FieldErrors:
        if not isinstance(value, str):
            return {"": gettext("Bitte geben Sie einen Text ein.")}
        text = value.strip()
        if self.min_length is not None and len(text) < self.min_length:
            return {"": gettext("Bitte geben Sie mindestens %(count)d Zeichen ein.", count=self.min_length)}
        if len(text) > self.effective_max_length:
            return {"": gettext("Bitte geben Sie höchstens %(count)d Zeichen ein.", count=self.effective_max_length)}
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            return {"": localized(self.pattern_message) if self.pattern_message
                    else gettext("Die Eingabe hat nicht das erwartete Format.")}
        return {}

    def sample(self, today: dt.date) -> str:
        text = example_for_pattern(self.pattern) if self.pattern else "Beispielangabe"
        if len(text) < (self.min_length or 0) and not self.pattern:
            text = text.ljust(self.min_length or 0, "x")
        return text[: self.effective_max_length]


@field_type
class TextField(_TextField):
    type: Literal["text"]

    default_max_length: ClassVar[int] = 200


@field_type
class TextareaField(_TextField):
    type: Literal["textarea"]

    default_max_length: ClassVar[int] = 4000
