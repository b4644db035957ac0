"""Server-side validation of a form's answers, field by field, with German messages.

Answers are the typed values kept on a case (see docs/process-format.md, "Answers"): text as
strings, numbers as numbers, money as integer cents, dates as ISO strings, yes/no as booleans,
checkboxes and files as lists, addresses as dicts and groups as lists of dicts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from amtsweg.formatting import format_cents
from amtsweg.processes.conditions import FieldState, field_states
from amtsweg.processes.schema import (
    AddressField,
    CheckboxesField,
    ChoiceField,
    DateField,
    EmailField,
    FileField,
    GroupField,
    IbanField,
    InfoField,
    MoneyField,
    NumberField,
    PhoneField,
    ProcessDefinition,
    TextField,
    YesNoField,
)

REQUIRED = "Bitte füllen Sie dieses Feld aus."
CHOOSE = "Bitte wählen Sie eine Antwort aus."
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()/-]{4,29}$")
POSTAL_CODE_DE = re.compile(r"^\d{5}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
ADDRESS_LABELS = {
    "street": "die Straße",
    "house_number": "die Hausnummer",
    "postal_code": "die Postleitzahl",
    "city": "den Ort",
    "country": "das Land",
}
# Some browsers and scanners report JPEG files as .jpg.
FILE_EXTENSIONS = {"jpeg": ("jpeg", "jpg"), "jpg": ("jpeg", "jpg"), "tiff": ("tiff", "tif")}

Errors = dict[str, str]


def validate_answers(
    definition: ProcessDefinition, answers: dict[str, Any], today: dt.date | None = None
) -> Errors:
    """``{field_path: message}`` for every problem; empty when the answers can be submitted.

    Hidden fields are not checked (their answers are dropped when the case is stored).
    """
    if definition.form is None:
        return {}
    today = today or dt.date.today()
    errors: Errors = {}
    for state in field_states(definition.form, answers):
        if isinstance(state.field, InfoField):
            continue
        if isinstance(state.field, GroupField):
            _group(state, today, errors)
            continue
        if _is_empty(state.value):
            if state.required:
                errors[state.path] = CHOOSE if _is_choice(state) else REQUIRED
            continue
        check = _CHECKS[type(state.field)]
        check(state, today, errors)
    return errors


def _is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(_is_empty(v) for v in value.values())
    return value is None or value == []


def _is_choice(state: FieldState) -> bool:
    return isinstance(state.field, (ChoiceField, CheckboxesField, YesNoField))


def _text(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: TextField = state.field  # type: ignore[assignment]
    if not isinstance(state.value, str):
        errors[state.path] = "Bitte geben Sie einen Text ein."
        return
    value = state.value.strip()
    if fld.min_length is not None and len(value) < fld.min_length:
        errors[state.path] = f"Bitte geben Sie mindestens {fld.min_length} Zeichen ein."
    elif len(value) > fld.effective_max_length:
        errors[state.path] = f"Bitte geben Sie höchstens {fld.effective_max_length} Zeichen ein."
    elif fld.pattern is not None and not re.fullmatch(fld.pattern, value):
        errors[state.path] = (
            fld.pattern_message.de if fld.pattern_message else "Die Eingabe hat nicht das erwartete Format."
        )


def _email(state: FieldState, today: dt.date, errors: Errors) -> None:
    if not isinstance(state.value, str) or not EMAIL_RE.match(state.value.strip()) or len(state.value) > 254:
        errors[state.path] = "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de."


def _phone(state: FieldState, today: dt.date, errors: Errors) -> None:
    if not isinstance(state.value, str) or not PHONE_RE.match(state.value.strip()):
        errors[state.path] = "Bitte geben Sie eine gültige Telefonnummer ein, z. B. 06081 12345."


def _german_number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _number(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: NumberField = state.field  # type: ignore[assignment]
    value = state.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors[state.path] = "Bitte geben Sie eine Zahl ein."
    elif fld.integer and value != int(value):
        errors[state.path] = "Bitte geben Sie eine ganze Zahl ein."
    elif fld.min is not None and value < fld.min:
        errors[state.path] = f"Der Wert muss mindestens {_german_number(fld.min)} sein."
    elif fld.max is not None and value > fld.max:
        errors[state.path] = f"Der Wert darf höchstens {_german_number(fld.max)} sein."


def _money(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: MoneyField = state.field  # type: ignore[assignment]
    value = state.value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors[state.path] = "Bitte geben Sie einen Betrag in Euro ein, z. B. 1.234,56."
    elif fld.min_cents is not None and value < fld.min_cents:
        errors[state.path] = f"Der Betrag muss mindestens {format_cents(fld.min_cents)} betragen."
    elif fld.max_cents is not None and value > fld.max_cents:
        errors[state.path] = f"Der Betrag darf höchstens {format_cents(fld.max_cents)} betragen."


def _date(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: DateField = state.field  # type: ignore[assignment]
    try:
        value = dt.date.fromisoformat(state.value) if isinstance(state.value, str) else None
    except ValueError:
        value = None
    if value is None:
        errors[state.path] = "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ)."
        return
    lowest, highest = fld.bounds(today)
    if fld.past_only and value > today:
        errors[state.path] = "Das Datum darf nicht in der Zukunft liegen."
    elif fld.future_only and value < today:
        errors[state.path] = "Das Datum darf nicht in der Vergangenheit liegen."
    elif lowest is not None and value < lowest:
        errors[state.path] = f"Das Datum darf nicht vor dem {lowest:%d.%m.%Y} liegen."
    elif highest is not None and value > highest:
        errors[state.path] = f"Das Datum darf nicht nach dem {highest:%d.%m.%Y} liegen."


def _choice(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: ChoiceField = state.field  # type: ignore[assignment]
    if state.value not in {o.value for o in fld.options}:
        errors[state.path] = "Bitte wählen Sie eine der angebotenen Möglichkeiten aus."


def _checkboxes(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: CheckboxesField = state.field  # type: ignore[assignment]
    value = state.value
    allowed = {o.value for o in fld.options}
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        errors[state.path] = "Bitte wählen Sie nur unter den angebotenen Möglichkeiten aus."
    elif len(set(value)) != len(value):
        errors[state.path] = "Jede Möglichkeit kann nur einmal gewählt werden."
    elif fld.min_selected is not None and len(value) < fld.min_selected:
        errors[state.path] = f"Bitte wählen Sie mindestens {fld.min_selected} Möglichkeiten aus."
    elif fld.max_selected is not None and len(value) > fld.max_selected:
        errors[state.path] = f"Bitte wählen Sie höchstens {fld.max_selected} Möglichkeiten aus."


def _yesno(state: FieldState, today: dt.date, errors: Errors) -> None:
    if not isinstance(state.value, bool):
        errors[state.path] = "Bitte wählen Sie „Ja“ oder „Nein“."


def _address(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: AddressField = state.field  # type: ignore[assignment]
    value = state.value
    if not isinstance(value, dict):
        errors[state.path] = "Bitte geben Sie eine vollständige Anschrift ein."
        return
    for part in fld.parts:
        text = value.get(part)
        if not isinstance(text, str) or not text.strip():
            errors[f"{state.path}.{part}"] = f"Bitte geben Sie {ADDRESS_LABELS[part]} an."
        elif len(text) > 100:
            errors[f"{state.path}.{part}"] = "Bitte geben Sie höchstens 100 Zeichen ein."
    country = value.get("country") if fld.country else "DE"
    if isinstance(country, str) and country and not COUNTRY_RE.match(country):
        errors[f"{state.path}.country"] = "Bitte wählen Sie ein Land aus."
    postal_code = value.get("postal_code")
    german = country == "DE" and isinstance(postal_code, str) and postal_code.strip()
    if german and not POSTAL_CODE_DE.match(str(postal_code).strip()):
        errors[f"{state.path}.postal_code"] = "Bitte geben Sie eine fünfstellige Postleitzahl ein."


def _iban(state: FieldState, today: dt.date, errors: Errors) -> None:
    try:
        IBAN(state.value if isinstance(state.value, str) else "")
    except SchwiftyException:
        errors[state.path] = "Bitte geben Sie eine gültige IBAN ein, z. B. DE89 3704 0044 0532 0130 00."


def _file(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: FileField = state.field  # type: ignore[assignment]
    value = state.value
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        errors[state.path] = "Bitte laden Sie eine Datei hoch."
        return
    allowed = {ext for kind in fld.accept for ext in FILE_EXTENSIONS.get(kind, (kind,))}
    if len(value) > fld.max_files:
        errors[state.path] = f"Bitte laden Sie höchstens {fld.max_files} Datei(en) hoch."
    for upload in value:
        name, size = upload.get("name"), upload.get("size")
        extension = name.rsplit(".", 1)[-1].lower() if isinstance(name, str) and "." in name else ""
        if extension not in allowed:
            kinds = ", ".join(k.upper() for k in fld.accept)
            errors[state.path] = f"Dieser Dateityp ist nicht erlaubt. Erlaubt sind: {kinds}."
        elif not isinstance(size, int) or size > fld.max_size_mb * 1024 * 1024:
            errors[state.path] = f"Eine Datei darf höchstens {fld.max_size_mb} MB groß sein."


def _group(state: FieldState, today: dt.date, errors: Errors) -> None:
    fld: GroupField = state.field  # type: ignore[assignment]
    value = [] if state.value is None else state.value
    lowest = max(fld.min_items, 1 if state.required else 0)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors[state.path] = "Die Angaben konnten nicht gelesen werden."
    elif len(value) < lowest:
        errors[state.path] = f"Bitte machen Sie mindestens {lowest} Einträge."
    elif len(value) > fld.max_items:
        errors[state.path] = f"Bitte machen Sie höchstens {fld.max_items} Einträge."


_CHECKS: dict[type, Callable[[FieldState, dt.date, Errors], None]] = {
    TextField: _text,
    EmailField: _email,
    PhoneField: _phone,
    NumberField: _number,
    MoneyField: _money,
    DateField: _date,
    ChoiceField: _choice,
    CheckboxesField: _checkboxes,
    YesNoField: _yesno,
    AddressField: _address,
    IbanField: _iban,
    FileField: _file,
}
