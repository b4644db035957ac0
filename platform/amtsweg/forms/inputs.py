"""Turns the fields of one form step into HTML input names and back into typed answers.

Input names are the answer paths of docs/process-format.md (``vorname``, ``anschrift.city``,
``hunde.0.rasse``). Parsing never trusts the page: only fields of the given step are read, a group
has as many items as the server-side answers say, and a value that cannot be converted is kept as
the raw text so that :func:`amtsweg.forms.validation.validate_answers` reports it in German and
the page shows the citizen's input again.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from amtsweg.processes.schema import (
    AddressField,
    AnyField,
    CheckboxesField,
    DateField,
    FileField,
    GroupField,
    IbanField,
    InfoField,
    MoneyField,
    NumberField,
    Step,
    YesNoField,
)

ADDRESS_AUTOCOMPLETE = {
    "street": "address-line1",
    "house_number": "address-line2",
    "postal_code": "postal-code",
    "city": "address-level2",
    "country": "country",
}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_MONEY = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$")


def field_id(path: str) -> str:
    """The HTML id of a field's (first) input; error summaries link to it."""
    return "feld-" + path.replace(".", "-").replace("_", "-")


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


def parse_number(raw: str) -> int | float | str:
    """A typed number as int or float (German decimal comma); the raw text when it is none."""
    text = raw.replace(" ", "")
    if not _NUMBER.match(text):
        return raw
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() and "," not in text and "." not in text else value


def parse_money(raw: str) -> int | str:
    """``1.234,56`` (with or without €) → 123456 cents; anything else stays as typed."""
    text = raw.replace("€", "").replace(" ", "").replace("\u00a0", "")
    match = _MONEY.match(text)
    if not match:
        return raw
    euros, cents = match.groups()
    return int(euros.replace(".", "")) * 100 + int((cents or "0").ljust(2, "0"))


def format_money_input(cents: int) -> str:
    """Cents as an amount in an input field: ``1.234,56``."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d}"


def _scalar(fld: AnyField, raw: str | None) -> Any:
    text = (raw or "").strip()
    if not text:
        return None
    if isinstance(fld, DateField):
        return parse_date(text)
    if isinstance(fld, NumberField):
        return parse_number(text)
    if isinstance(fld, MoneyField):
        return parse_money(text)
    if isinstance(fld, YesNoField):
        return {"ja": True, "nein": False}.get(text, text)
    if isinstance(fld, IbanField):
        return " ".join(text.upper().split())
    return text


def _read_field(fld: AnyField, path: str, form: MultiDict, previous: Any) -> Any:
    if isinstance(fld, CheckboxesField):
        values = [v for v in form.getlist(path) if isinstance(v, str)]
        return values or None
    if isinstance(fld, AddressField):
        value = {p: (form.get(f"{path}.{p}") or "").strip() for p in fld.parts}
        return value if any(value.values()) else None
    if isinstance(fld, FileField):
        # Files already uploaded live on the server; new ones are added by the caller.
        return list(previous) if isinstance(previous, list) else None
    return _scalar(fld, form.get(path))


def initial_items(group: GroupField, required: bool) -> list[dict[str, Any]]:
    """Empty items a group starts with, so the first entry can be typed in at once."""
    return [{} for _ in range(max(group.min_items, 1 if required else 0, 1))]


def parse_step(step: Step, form: MultiDict, previous: dict[str, Any]) -> dict[str, Any]:
    """The answers of ``step``'s fields from submitted ``form``; ``previous`` are the saved answers.

    Empty inputs are left out. Groups keep the saved number of items; an item's inputs beyond that
    number (a tampered page) are ignored.
    """
    answers: dict[str, Any] = {}
    for fld in step.fields:
        if isinstance(fld, InfoField):
            continue
        if isinstance(fld, GroupField):
            saved = previous.get(fld.id)
            items = saved if isinstance(saved, list) else initial_items(fld, fld.required)
            parsed_items = []
            for index, item in enumerate(items):
                item = item if isinstance(item, dict) else {}
                parsed = {}
                for sub in fld.fields:
                    if isinstance(sub, InfoField):
                        continue
                    value = _read_field(sub, f"{fld.id}.{index}.{sub.id}", form, item.get(sub.id))
                    if value is not None:
                        parsed[sub.id] = value
                parsed_items.append(parsed)
            answers[fld.id] = parsed_items
            continue
        value = _read_field(fld, fld.id, form, previous.get(fld.id))
        if value is not None:
            answers[fld.id] = value
    return answers


def display_value(fld: AnyField, value: Any) -> Any:
    """The value as shown in an input: German date and money formats, raw text when invalid."""
    if value is None:
        return ""
    if isinstance(fld, DateField) and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(fld, MoneyField) and isinstance(value, int) and not isinstance(value, bool):
        return format_money_input(value)
    if isinstance(fld, NumberField) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}".replace(".", ",")
    if isinstance(fld, YesNoField) and isinstance(value, bool):
        return "ja" if value else "nein"
    return value


def step_field_ids(step: Step) -> set[str]:
    """The ids of the step's top-level fields."""
    return {fld.id for fld in step.fields}


def errors_of_step(step: Step, errors: dict[str, str]) -> dict[str, str]:
    """Only the errors of fields on ``step`` (answers of later steps are not due yet)."""
    ids = step_field_ids(step)
    return {path: message for path, message in errors.items() if path.split(".", 1)[0] in ids}


def step_answers_only(step: Step, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers that belong to the step's fields."""
    ids = step_field_ids(step)
    return {key: value for key, value in answers.items() if key in ids}


class UnknownAction(ValueError):
    """The ``aktion`` of a submitted step names no group, item or file of the step."""


def _group_of(step: Step, group_id: str) -> GroupField:
    for fld in step.fields:
        if isinstance(fld, GroupField) and fld.id == group_id:
            return fld
    raise UnknownAction(group_id)


def apply_action(step: Step, answers: dict[str, Any], action: str) -> dict[str, Any]:
    """Adds or removes a group item or an uploaded file; returns the removed file's entry, if any.

    Actions: ``hinzufuegen:<group>``, ``entfernen:<group>:<index>``,
    ``datei-entfernen:<path>:<index>`` (path of a file field, inside a group too).
    """
    verb, _, rest = action.partition(":")
    if verb == "hinzufuegen":
        group = _group_of(step, rest)
        items = answers.setdefault(group.id, [])
        if len(items) < group.max_items:
            items.append({})
        return {}
    target, _, index_text = rest.rpartition(":")
    if not index_text.isdigit():
        raise UnknownAction(action)
    index = int(index_text)
    if verb == "entfernen":
        group = _group_of(step, target)
        items = answers.get(group.id) or []
        if index >= len(items):
            raise UnknownAction(action)
        del items[index]
        return {}
    if verb == "datei-entfernen":
        container, key = _file_container(step, answers, target)
        files = container.get(key) or []
        if index >= len(files):
            raise UnknownAction(action)
        removed = files.pop(index)
        if not files:
            container.pop(key, None)
        return removed
    raise UnknownAction(action)


def _file_container(step: Step, answers: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    head, *rest = path.split(".")
    if head not in step_field_ids(step):
        raise UnknownAction(path)
    if not rest:
        return answers, head
    if len(rest) != 2 or not rest[0].isdigit():
        raise UnknownAction(path)
    items = answers.get(head) or []
    if int(rest[0]) >= len(items):
        raise UnknownAction(path)
    return items[int(rest[0])], rest[1]


def file_fields(step: Step, answers: dict[str, Any]) -> list[tuple[str, FileField]]:
    """Paths of the file fields of ``step`` (group items expanded) for these answers."""
    found: list[tuple[str, FileField]] = []
    for fld in step.fields:
        if isinstance(fld, FileField):
            found.append((fld.id, fld))
        elif isinstance(fld, GroupField):
            for index, _ in enumerate(answers.get(fld.id) or []):
                found.extend(
                    (f"{fld.id}.{index}.{sub.id}", sub) for sub in fld.fields if isinstance(sub, FileField)
                )
    return found


def set_path(answers: dict[str, Any], step: Step, path: str, value: Any) -> None:
    """Store ``value`` at a field of the step or a group item's field (``kinder.0.nachweis``); else UnknownAction."""
    container, key = _file_container(step, answers, path)
    container[key] = value


def get_path(answers: dict[str, Any], path: str) -> Any:
    """The answer at a dotted path (``kinder.0.name``), or None when it does not exist."""
    value: Any = answers
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value
