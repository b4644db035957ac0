"""A repeatable group of fields (e.g. one entry per dog); the answer lists one dict per item."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext
from pydantic import Field, model_validator
from werkzeug.datastructures import MultiDict

from amtsweg.forms.base import (
    FieldDefinition,
    FieldErrors,
    InputField,
    ItemField,
    LogicType,
    Text,
    field_type,
    localized,
)


@field_type
class GroupField(InputField):
    type: Literal["group"]
    fields: Annotated[list[ItemField], Field(min_length=1)]
    min_items: Annotated[int, Field(ge=0)] = 0
    max_items: Annotated[int, Field(ge=1, le=100)] = 10
    item_label: Text | None = None

    logic_type: ClassVar[LogicType] = "array"
    contains_fields: ClassVar[bool] = True

    @model_validator(mode="after")
    def _consistent(self) -> GroupField:
        if self.min_items > self.max_items:
            raise ValueError("min_items is greater than max_items")
        return self

    @property
    def item_fields(self) -> list[FieldDefinition]:
        return list(self.fields)

    def item_name(self, locale: str | None = None) -> str:
        """What one item is called (``Hund``): the item label, else the group's label."""
        return localized(self.item_label, locale) if self.item_label else self.field_label(locale)

    def item_title(self, number: int, locale: str | None = None) -> str:
        """The title of the item numbered from 1 (``Hund 1``)."""
        return f"{self.item_name(locale)} {number}"

    def error_label(self, rest: list[str], locale: str | None = None) -> str:
        if len(rest) >= 2 and rest[0].isdigit():
            sub = next((s for s in self.fields if s.id == rest[1]), None)
            if sub is not None:
                return f"{self.item_title(int(rest[0]) + 1, locale)} – {sub.error_label(rest[2:], locale)}"
        return self.field_label(locale)

    def initial_answer(self) -> list[dict[str, Any]]:
        """Empty items to start with, so that the first entry can be typed in at once."""
        return [{} for _ in range(max(self.min_items, 1))]

    def parse(self, form: MultiDict[str, Any], path: str, previous: Any) -> Any:
        """The items the saved answer has (``previous``); an item's inputs beyond that number (a
        tampered page) are ignored."""
        items = previous if isinstance(previous, list) else self.initial_answer()
        parsed_items = []
        for index, item in enumerate(items):
            saved = item if isinstance(item, dict) else {}
            parsed = {}
            for sub in self.fields:
                if sub.takes_input:
                    value = sub.parse(form, f"{path}.{index}.{sub.id}", saved.get(sub.id))
                    if value is not None:
                        parsed[sub.id] = value
            parsed_items.append(parsed)
        return parsed_items

    def validate_answer(self, value: Any, required: bool, today: dt.date) -> FieldErrors:
        items = [] if value is None else value
        lowest = max(self.min_items, 1 if required else 0)
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return {"": gettext("Die Angaben konnten nicht gelesen werden.")}
        if len(items) < lowest:
            return {"": gettext("Bitte machen Sie mindestens %(count)d Einträge.", count=lowest)}
        if len(items) > self.max_items:
            return {"": gettext("Bitte machen Sie höchstens %(count)d Einträge.", count=self.max_items)}
        return {}

    def answer_text(self, value: Any, locale: str) -> str:
        return str(len(value)) if isinstance(value, list) else super().answer_text(value, locale)

    def sample(self, today: dt.date) -> list[dict[str, Any]]:
        item = {sub.id: sub.sample(today) for sub in self.fields if sub.takes_input}
        return [dict(item) for _ in range(max(self.min_items, 1))]

    def var_known(self, rest: list[str]) -> bool:
        if rest and rest[0].isdigit():
            rest = rest[1:]
        if not rest:
            return True
        sub = next((s for s in self.fields if s.id == rest[0]), None)
        return sub is not None and sub.var_known(rest[1:])
