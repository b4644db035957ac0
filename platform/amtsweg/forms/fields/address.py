"""A postal address in parts (street, house number, postal code, city and, if asked, country)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar, Literal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from amtsweg.forms.base import FieldErrors, InputField, LogicType, PrefillShape, field_type, page_locale
from amtsweg.forms.countries import HOME, country_code, country_name, country_options

PARTS = ("street", "house_number", "postal_code", "city", "country")
PART_LABELS = {"street": _l("Straße"), "house_number": _l("Hausnummer"), "postal_code": _l("Postleitzahl"),
               "city": _l("Ort"), "country": _l("Land")}
MISSING = {
    "street": _l("Bitte geben Sie die Straße an."),
    "house_number": _l("Bitte geben Sie die Hausnummer an."),
    "postal_code": _l("Bitte geben Sie die Postleitzahl an."),
    "city": _l("Bitte geben Sie den Ort an."),
    "country": _l("Bitte geben Sie das Land an."),
}
AUTOCOMPLETE = {
    "street": "address-line1",
    "house_number": "address-line2",
    "postal_code": "postal-code",
    "city": "address-level2",
    "country": "country",
}
POSTAL_CODE_DE = re.compile(r"^\d{5}$")
EXAMPLE = {"street": "Bahnhofstraße", "house_number": "1", "postal_code": "61267", "city": "Neu-Anspach"}


@field_type
class AddressField(InputField):
    type: Literal["address"]
    country: bool = False

    logic_type: ClassVar[LogicType] = "object"
    prefill_shape: ClassVar[PrefillShape] = "address"

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts this address asks for (the country only when ``country`` is set)."""
        return PARTS if self.country else tuple(p for p in PARTS if p != "country")

    def part_label(self, part: str) -> str:
        return str(PART_LABELS[part])

    def part_autocomplete(self, part: str) -> str:
        return AUTOCOMPLETE[part]

    def country_options(self) -> list[tuple[str, str]]:
        """The countries to choose from, Germany first, named in the page's language."""
        return country_options(page_locale())

    def error_label(self, rest: list[str], locale: str | None = None) -> str:
        label = self.field_label(locale)
        return f"{label} – {self.part_label(rest[0])}" if rest and rest[0] in PART_LABELS else label

    def parse(self, form: MultiDict[str, Any], path: str, previous: Any) -> Any:
        value = {part: (form.get(f"{path}.{part}") or "").strip() for part in self.parts}
        if value.get("country"):
            # The select sends a code; a country typed by name (older page, assistive tools) counts too.
            value["country"] = country_code(value["country"]) or value["country"]
        return value if any(v for part, v in value.items() if part != "country") else None

    def input_value(self, value: Any) -> Any:
        shown = dict(value) if isinstance(value, dict) else {}
        if self.country and not shown.get("country"):
            shown["country"] = HOME
        return shown

    def answer_text(self, value: Any, locale: str) -> str:
        if not isinstance(value, dict):
            return super().answer_text(value, locale)
        line = f"{value.get('street', '')} {value.get('house_number', '')}".strip()
        city = f"{value.get('postal_code', '')} {value.get('city', '')}".strip()
        country = value.get("country")
        country_text = country_name(country, locale) if isinstance(country, str) and country else ""
        return ", ".join(part for part in (line, city, country_text) if part)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if not isinstance(value, dict):
            return {"": gettext("Bitte geben Sie eine vollständige Anschrift ein.")}
        errors: FieldErrors = {}
        for part in self.parts:
            text = value.get(part)
            if not isinstance(text, str) or not text.strip():
                errors[part] = str(MISSING[part])
            elif len(text) > 100:
                errors[part] = gettext("Bitte geben Sie höchstens %(count)d Zeichen ein.", count=100)
        country = value.get("country") if self.country else HOME
        if isinstance(country, str) and country and country_code(country) != country:
            errors["country"] = gettext("Bitte wählen Sie ein Land aus.")
        postal_code = value.get("postal_code")
        postal_code = postal_code.strip() if isinstance(postal_code, str) else ""
        if country == HOME and postal_code and not POSTAL_CODE_DE.match(postal_code):
            errors["postal_code"] = gettext("Bitte geben Sie eine fünfstellige Postleitzahl ein.")
        return errors

    def sample(self, today: dt.date) -> dict[str, str]:
        return {**EXAMPLE, "country": HOME} if self.country else dict(EXAMPLE)

    def var_known(self, rest: list[str]) -> bool:
        return len(rest) <= 1 and (not rest or rest[0] in PARTS)
