"""An amount in euros, typed the German way (``1.234,56 €``) and kept as integer cents."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Literal, TypeGuard

from flask_babel import gettext
from pydantic import Field, model_validator

from amtsweg.formatting import format_cents
from amtsweg.forms.base import FieldErrors, InputField, LogicType, field_type

_MONEY = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$")


def parse_money(raw: str) -> int | str:
    """``1.234,56`` (with or without €) → 123456 cents; anything else stays as typed."""
    text = raw.replace("€", "").replace(" ", "").replace("\u00a0", "")
    match = _MONEY.match(text)
    if not match:
        return raw
    euros, cents = match.groups()
    return int(euros.replace(".", "")) * 100 + int((cents or "0").ljust(2, "0"))


def format_money_input(cents: int) -> str:
    """Cents as typed into the input: 123456 → ``1.234,56``."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d}"


def _is_cents(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@field_type
class MoneyField(InputField):
    type: Literal["money"]
    min_cents: Annotated[int, Field(ge=0)] | None = None
    max_cents: Annotated[int, Field(ge=0)] | None = None

    logic_type: ClassVar[LogicType] = "number"
    client_parse: ClassVar[str | None] = "cents"

    @model_validator(mode="after")
    def _consistent(self) -> MoneyField:
        if self.min_cents is not None and self.max_cents is not None and self.min_cents > self.max_cents:
            raise ValueError("min_cents is greater than max_cents")
        return self

    def parse_text(self, text: str) -> int | str:
        return parse_money(text)

    def input_value(self, value: Any) -> Any:
        return format_money_input(value) if _is_cents(value) else super().input_value(value)

    def answer_text(self, value: Any, locale: str) -> str:
        return format_cents(value) if _is_cents(value) else super().answer_text(value, locale)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if not _is_cents(value) or value < 0:
            return {"": gettext("Bitte geben Sie einen Betrag in Euro ein, z. B. 1.234,56.")}
        if self.min_cents is not None and value < self.min_cents:
            return {"": gettext("Der Betrag muss mindestens %(amount)s betragen.", amount=format_cents(self.min_cents))}
        if self.max_cents is not None and value > self.max_cents:
            return {"": gettext("Der Betrag darf höchstens %(amount)s betragen.", amount=format_cents(self.max_cents))}
        return {}

    def sample(self, today: dt.date) -> int:
        cents = self.min_cents if self.min_cents is not None else 5000
        return min(cents, self.max_cents) if self.max_cents is not None else cents
