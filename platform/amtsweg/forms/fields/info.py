"""A hint shown in the step; it takes no input."""

from __future__ import annotations

from typing import ClassVar, Literal

from amtsweg.forms.base import FieldDefinition, Text, field_type, localized


@field_type
class InfoField(FieldDefinition):
    type: Literal["info"]
    text: Text
    label: Text | None = None

    takes_input: ClassVar[bool] = False

    def field_label(self, locale: str | None = None) -> str:
        return localized(self.label, locale)
