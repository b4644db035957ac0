"""An IBAN, checked by its checksum."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from flask_babel import gettext
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from amtsweg.forms.base import FieldErrors, InputField, field_type

EXAMPLE = "DE89370400440532013000"


def normalize_iban(text: str) -> str:
    """Upper case with single spaces, as typed otherwise (``de89 3704…`` → ``DE89 3704…``)."""
    return " ".join(text.upper().split())


@field_type
class IbanField(InputField):
    type: Literal["iban"]

    client_parse: ClassVar[str | None] = "upper"

    def parse_text(self, text: str) -> str:
        return normalize_iban(text)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        try:
            IBAN(value if isinstance(value, str) else "")
        except SchwiftyException:
            return {"": gettext("Bitte geben Sie eine gültige IBAN ein, z. B. DE89 3704 0044 0532 0130 00.")}
        return {}

    def sample(self, today: dt.date) -> str:
        return EXAMPLE
