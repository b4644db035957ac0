"""A telephone number."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar, Literal

from flask_babel import gettext

from amtsweg.forms.base import FieldErrors, InputField, PrefillShape, field_type

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()/-]{4,29}$")


@field_type
class PhoneField(InputField):
    type: Literal["phone"]

    prefill_shape: ClassVar[PrefillShape] = "value"

    def check(self, value: object, today: dt.date) -> FieldErrors:
        if not isinstance(value, str) or not PHONE_RE.match(value.strip()):
            return {"": gettext("Bitte geben Sie eine gültige Telefonnummer ein, z. B. 06081 12345.")}
        return {}

    def sample(self, today: dt.date) -> str:
        return "06081 123456"
