"""Answers as readable text, step by step: for the review page, the clerk's case page, the receipt
PDF and the status page; and the field names of an error summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from amtsweg.forms.base import FieldDefinition, localized
from amtsweg.forms.conditions import prune_hidden
from amtsweg.forms.form import FormOwner
from amtsweg.forms.prefill import ORIGIN_LABELS


@dataclass
class Item:
    """One item of a repeatable group, titled by the group's item label (``Hund 1``)."""

    title: str
    rows: list[Row]


@dataclass
class Row:
    label: str
    text: str
    # Items of a group, each with its own rows.
    items: list[Item] = field(default_factory=list)
    # Where the answer came from when not typed by the applicant (the login's identity provider).
    origin: str = ""


@dataclass
class Section:
    number: int
    title: str
    rows: list[Row]


def _rows(fields: Iterable[FieldDefinition], answers: dict[str, Any], locale: str,
          origins: dict[str, str] | None = None) -> list[Row]:
    rows = []
    for fld in fields:
        if not fld.takes_input or fld.id not in answers:
            continue
        value = answers[fld.id]
        items = [
            Item(fld.item_title(number, locale), _rows(fld.item_fields, item, locale))
            for number, item in enumerate(value, 1) if isinstance(item, dict)
        ] if fld.item_fields and isinstance(value, list) else []
        origin = ORIGIN_LABELS.get((origins or {}).get(fld.id, ""))
        rows.append(Row(fld.field_label(locale), fld.answer_text(value, locale), items, str(origin or "")))
    return rows


def answer_sections(definition: FormOwner, answers: dict[str, Any], locale: str,
                    origins: dict[str, str] | None = None) -> list[Section]:
    """The shown answers per step of the definition's form (hidden ones left out), in form order;
    ``origins`` marks the answers taken from the applicant's login (marks of amtsweg.forms.prefill)."""
    form = definition.form
    if form is None:
        return []
    kept = prune_hidden(form, answers)
    return [
        Section(number, localized(step.title, locale), _rows(step.fields, kept, locale, origins))
        for number, step in enumerate(form.steps, 1)
    ]


@dataclass(frozen=True)
class ErrorEntry:
    """One line of an error summary: the answer's path, the field's name and the message."""

    path: str
    label: str
    message: str


def error_entries(fields: Iterable[FieldDefinition], errors: dict[str, str],
                  labels: dict[str, str] | None = None) -> list[ErrorEntry]:
    """The errors named by their fields (``Hund 1 – Rufname des Hundes``); ``labels`` names paths
    that are no field of the form (a page's own inputs)."""
    by_id = {fld.id: fld for fld in fields}
    entries = []
    for path, message in errors.items():
        head, *rest = path.split(".")
        fld = by_id.get(head)
        label = fld.error_label(rest) if fld is not None else (labels or {}).get(path, "")
        entries.append(ErrorEntry(path, label, message))
    return entries
