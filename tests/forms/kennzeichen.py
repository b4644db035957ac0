"""A field type from outside the form engine: a German vehicle registration number (Kfz-Kennzeichen).

It is what a town's own plugin would be: one module with the type's class and a template of its own
next to it, registered with ``field_type``; no file of the engine knows it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, ClassVar, Literal

from amtsweg.forms.base import FieldErrors, InputField, Text, field_type, localized

# District code (1–3 letters), one or two letters and a number of one to four digits without a
# leading zero; an E marks an electric vehicle, an H a historic one.
PLATE = re.compile(r"^([A-ZÄÖÜ]{1,3})[\s-]*([A-Z]{1,2})[\s-]*([1-9][0-9]{0,3})(E|H)?$")
# A type shipped outside the package brings its texts in both languages.
INVALID = Text(de="Bitte geben Sie ein Kfz-Kennzeichen wie HG-AB 123 ein.",
               en="Please enter a vehicle registration number such as HG-AB 123.")
HINT = Text(de="Zum Beispiel HG-AB 123", en="For example HG-AB 123")


def normalized(text: str) -> str | None:
    """``hg ab123`` → ``HG-AB 123``; None when it is no registration number."""
    match = PLATE.match(text.strip().upper())
    if match is None:
        return None
    district, letters, number, suffix = match.groups()
    return f"{district}-{letters} {number}{suffix or ''}"


@field_type
class KennzeichenField(InputField):
    type: Literal["kfz_kennzeichen"]

    template_folder: ClassVar[Path] = Path(__file__).resolve().parent / "templates"
    client_parse: ClassVar[str | None] = "upper"

    def hint(self) -> str:
        return localized(HINT)

    def parse_text(self, text: str) -> str:
        return normalized(text) or text

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if not isinstance(value, str) or normalized(value) != value:
            return {"": localized(INVALID)}
        return {}

    def sample(self, today: dt.date) -> str:
        return "HG-AB 123"
