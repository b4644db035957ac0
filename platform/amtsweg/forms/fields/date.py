"""A calendar date, typed as ``TT.MM.JJJJ`` and kept as an ISO date string."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext
from pydantic import AfterValidator, BeforeValidator, model_validator

from amtsweg.forms.base import FieldErrors, InputField, PrefillShape, field_type

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_RELATIVE_DATE = re.compile(r"^today(?:([+-])(\d{1,5}))?$")


def parse_date(raw: str) -> str:
    """``TT.MM.JJJJ`` (or ISO) → ISO date; anything else stays as typed."""
    match = _GERMAN_DATE.match(raw)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return raw
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        return raw


def german_date(value: Any) -> Any:
    """An ISO date string as ``TT.MM.JJJJ``; anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return value


def resolve_date_bound(value: str, today: dt.date) -> dt.date:
    """Turn a date bound (``today``, ``today+30``, ``today-36500`` or ISO) into a date."""
    match = _RELATIVE_DATE.match(value)
    if match:
        sign, days = match.groups()
        offset = int(days or 0)
        return today + dt.timedelta(days=-offset if sign == "-" else offset)
    return dt.date.fromisoformat(value)


def _date_bound(value: str) -> str:
    if not _RELATIVE_DATE.match(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"invalid date bound '{value}' (use today, today+N, today-N or YYYY-MM-DD)"
            ) from None
    return value


DateBound = Annotated[str, BeforeValidator(lambda v: v.isoformat() if isinstance(v, dt.date) else v),
                      AfterValidator(_date_bound)]


@field_type
class DateField(InputField):
    type: Literal["date"]

    prefill_shape: ClassVar[PrefillShape] = "value"

    min: DateBound | None = None
    max: DateBound | None = None
    past_only: bool = False
    future_only: bool = False

    client_parse: ClassVar[str | None] = "date"

    def bounds(self, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The earliest and latest allowed date on ``today`` (None where the field sets none)."""
        return (
            resolve_date_bound(self.min, today) if self.min else None,
            resolve_date_bound(self.max, today) if self.max else None,
        )

    @model_validator(mode="after")
    def _consistent(self) -> DateField:
        if self.past_only and self.future_only:
            raise ValueError("past_only and future_only exclude each other")
        # Relative bounds move together, so comparing them on any day is enough.
        lowest, highest = self.bounds(dt.date(2000, 1, 1))
        if lowest is not None and highest is not None and lowest > highest:
            raise ValueError("min is after max")
        return self

    def parse_text(self, text: str) -> str:
        return parse_date(text)

    def input_value(self, value: Any) -> Any:
        return super().input_value(german_date(value))

    def answer_text(self, value: Any, locale: str) -> str:
        return super().answer_text(german_date(value), locale)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            return {"": gettext("Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ).")}
        lowest, highest = self.bounds(today)
        if self.past_only and day > today:
            return {"": gettext("Das Datum darf nicht in der Zukunft liegen.")}
        if self.future_only and day < today:
            return {"": gettext("Das Datum darf nicht in der Vergangenheit liegen.")}
        if lowest is not None and day < lowest:
            return {"": gettext("Das Datum darf nicht vor dem %(date)s liegen.", date=f"{lowest:%d.%m.%Y}")}
        if highest is not None and day > highest:
            return {"": gettext("Das Datum darf nicht nach dem %(date)s liegen.", date=f"{highest:%d.%m.%Y}")}
        return {}

    def sample(self, today: dt.date) -> str:
        lowest, highest = self.bounds(today)
        if self.future_only:
            lowest = max(lowest or today, today)
        if self.past_only:
            highest = min(highest or today, today)
        if lowest and highest:
            return (lowest + (highest - lowest) / 2).isoformat()
        return (lowest or highest or today).isoformat()
