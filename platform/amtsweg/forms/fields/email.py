"""An e-mail address."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar, Literal

from flask_babel import gettext

from amtsweg.forms.base import FieldErrors, InputField, PrefillShape, field_type

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def is_email(value: object) -> bool:
    """Whether ``value`` looks like an e-mail address that mail can be sent to."""
    return isinstance(value, str) and bool(EMAIL_RE.match(value.strip())) and len(value) <= 254


@field_type
class EmailField(InputField):
    type: Literal["email"]

    prefill_shape: ClassVar[PrefillShape] = "value"

    def check(self, value: object, today: dt.date) -> FieldErrors:
        if not is_email(value):
            return {"": gettext("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")}
        return {}

    def sample(self, today: dt.date) -> str:
        return "erika.mustermann@example.org"
