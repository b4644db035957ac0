"""One of several options: a drop-down list (``select``) or radio buttons (``radio``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext
from pydantic import Field

from amtsweg.forms.base import FieldErrors, InputField, Option, PrefillShape, field_type, localized


class OptionsField(InputField):
    """A field whose answer is chosen from ``options``."""

    options: list[Option]

    def definition_problems(self) -> list[tuple[str, str]]:
        seen: set[str] = set()
        problems = []
        for index, option in enumerate(self.options):
            if option.value in seen:
                problems.append((f"options[{index}].value", f"duplicate option value '{option.value}'"))
            seen.add(option.value)
        return problems

    def option_pairs(self, locale: str | None = None) -> list[tuple[str, str]]:
        """``(value, label)`` of every option, the label in ``locale`` (the page's by default)."""
        return [(option.value, localized(option.label, locale)) for option in self.options]

    def option_label(self, value: Any, locale: str) -> str:
        return dict(self.option_pairs(locale)).get(value, str(value))

    def missing_message(self) -> str:
        return gettext("Bitte wählen Sie eine Antwort aus.")


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


class _ChoiceField(OptionsField):
    options: Annotated[list[Option], Field(min_length=2)]

    # A login's value (e.g. the legal form) chooses the option it names.
    prefill_shape: ClassVar[PrefillShape] = "value"

    def _option_named(self, text: str) -> str | None:
        """The value of the option whose value, label (in either language) or alias is ``text``."""
        wanted = _folded(text)
        return next((option.value for option in self.options
                     if wanted in {_folded(name) for name in (option.value, option.label.de, option.label.en,
                                                                *option.aliases)}), None)

    def parse_text(self, text: str) -> Any:
        return self._option_named(text) or text

    def prefill_value(self, text: str) -> Any:
        return self._option_named(text)

    def answer_text(self, value: Any, locale: str) -> str:
        return self.option_label(value, locale)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if value not in {o.value for o in self.options}:
            return {"": gettext("Bitte wählen Sie eine der angebotenen Möglichkeiten aus.")}
        return {}

    def sample(self, today: dt.date) -> str:
        return self.options[0].value


@field_type
class SelectField(_ChoiceField):
    type: Literal["select"]


@field_type
class RadioField(_ChoiceField):
    type: Literal["radio"]
