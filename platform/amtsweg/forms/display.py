"""Answers as readable text, step by step: for the review page, the receipt PDF and the status page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from amtsweg.formatting import format_cents
from amtsweg.processes.conditions import prune_hidden
from amtsweg.processes.schema import (
    AddressField,
    AnyField,
    CheckboxesField,
    ChoiceField,
    DateField,
    FileField,
    GroupField,
    InfoField,
    MoneyField,
    NumberField,
    ProcessDefinition,
    Text,
    YesNoField,
)

YES_NO = {"de": ("Ja", "Nein"), "en": ("Yes", "No")}


def text_in(text: Text | None, locale: str) -> str:
    """A definition's text in ``locale`` (German unless English is asked for)."""
    if text is None:
        return ""
    return text.en if locale == "en" else text.de


@dataclass
class Row:
    label: str
    text: str
    # Items of a group: one list of rows per item.
    items: list[list[Row]] = field(default_factory=list)


@dataclass
class Section:
    number: int
    title: str
    rows: list[Row]


def answer_text(fld: AnyField, value: Any, locale: str) -> str:
    """One answer as text in ``locale`` (option labels, German date and money formats)."""
    if isinstance(fld, YesNoField) and isinstance(value, bool):
        return YES_NO.get(locale, YES_NO["de"])[0 if value else 1]
    if isinstance(fld, DateField) and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(fld, MoneyField) and isinstance(value, int):
        return format_cents(value)
    if isinstance(fld, NumberField) and isinstance(value, (int, float)):
        return f"{value:g}".replace(".", ",")
    if isinstance(fld, ChoiceField):
        labels = {o.value: text_in(o.label, locale) for o in fld.options}
        return labels.get(value, str(value))
    if isinstance(fld, CheckboxesField) and isinstance(value, list):
        labels = {o.value: text_in(o.label, locale) for o in fld.options}
        return ", ".join(labels.get(v, str(v)) for v in value)
    if isinstance(fld, AddressField) and isinstance(value, dict):
        line = f"{value.get('street', '')} {value.get('house_number', '')}".strip()
        city = f"{value.get('postal_code', '')} {value.get('city', '')}".strip()
        return ", ".join(part for part in (line, city, value.get("country", "")) if part)
    if isinstance(fld, FileField) and isinstance(value, list):
        return ", ".join(str(entry.get("name", "")) for entry in value if isinstance(entry, dict))
    return "" if value is None else str(value)


def _rows(fields: Sequence[AnyField], answers: dict[str, Any], locale: str) -> list[Row]:
    rows = []
    for fld in fields:
        if isinstance(fld, InfoField) or fld.id not in answers:
            continue
        value = answers[fld.id]
        if isinstance(fld, GroupField):
            items = [_rows(fld.fields, item, locale) for item in value if isinstance(item, dict)]
            rows.append(Row(text_in(fld.label, locale), str(len(items)), items))
        else:
            rows.append(Row(text_in(fld.label, locale), answer_text(fld, value, locale)))
    return rows


def answer_sections(definition: ProcessDefinition, answers: dict[str, Any], locale: str) -> list[Section]:
    """The shown answers per step (hidden ones left out), in form order."""
    if definition.form is None:
        return []
    kept = prune_hidden(definition.form, answers)
    return [
        Section(number, text_in(step.title, locale), _rows(step.fields, kept, locale))
        for number, step in enumerate(definition.form.steps, 1)
    ]
