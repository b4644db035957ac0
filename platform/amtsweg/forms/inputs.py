"""Turns the fields of a form page into HTML input names and back into typed answers.

Input names are the answer paths of docs/process-format.md (``vorname``, ``anschrift.city``,
``hunde.0.rasse``). Parsing never trusts the page: only fields of the given step are read, a group
has as many items as the server-side answers say, and a value that cannot be converted is kept as
the raw text so that :func:`amtsweg.forms.validation.validate_answers` reports it and the page
shows the citizen's input again. Each field type parses its own inputs (``FieldDefinition.parse``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from amtsweg.forms.conditions import field_states
from amtsweg.forms.fields.file import FileField
from amtsweg.forms.fields.group import GroupField
from amtsweg.forms.form import Form, Step


def field_id(path: str) -> str:
    """The HTML id of a field's (first) input; error summaries link to it."""
    return "feld-" + path.replace(".", "-").replace("_", "-")


def parse_step(step: Step, form: MultiDict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The answers of ``step``'s fields from submitted ``form``; ``previous`` are the saved answers.

    Empty inputs are left out. Groups keep the saved number of items; an item's inputs beyond that
    number (a tampered page) are ignored.
    """
    answers: dict[str, Any] = {}
    for fld in step.fields:
        if fld.takes_input:
            value = fld.parse(form, fld.id, previous.get(fld.id))
            if value is not None:
                answers[fld.id] = value
    return answers


def parse_form(form: Form, posted: MultiDict[str, Any]) -> dict[str, Any]:
    """The answers of every step from one page that shows the whole form (the clerk's intake).

    Such a page carries its groups' sizes itself: a group has as many items as the page sent.
    """
    sizes: dict[str, Any] = {}
    for fld in form.top_fields():
        if fld.item_fields:
            item = re.compile(rf"^{re.escape(fld.id)}\.(\d+)\.")
            indexes = {int(m.group(1)) for key in posted if (m := item.match(key))}
            sizes[fld.id] = [{} for _ in range(max(indexes) + 1)] if indexes else fld.initial_answer()
    answers: dict[str, Any] = {}
    for step in form.steps:
        answers.update(parse_step(step, posted, sizes))
    return answers


def with_initial_answers(step: Step, answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` plus what the step's unanswered fields start with (a group's first, empty item)."""
    initial = {fld.id: fld.initial_answer() for fld in step.fields if fld.id not in answers}
    return {**answers, **{key: value for key, value in initial.items() if value is not None}}


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


def apply_form_action(form: Form, answers: dict[str, Any], action: str) -> None:
    """Add or remove a group item on a page that shows the whole form (the clerk's intake)."""
    group_id = action.partition(":")[2].partition(":")[0]
    for step in form.steps:
        if group_id in step_field_ids(step):
            apply_action(step, answers, action)
            return
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


@dataclass
class PendingUploads:
    """Files sent for one visible file field of a step, and the field's entries so far."""

    path: str
    field: FileField
    files: list[FileStorage]
    entries: list[dict[str, Any]]

    def full(self) -> bool:
        return len(self.entries) >= self.field.max_files


def pending_uploads(form: Form, step: Step, answers: dict[str, Any],
                    files: MultiDict[str, FileStorage]) -> list[PendingUploads]:
    """The step's shown file fields (group items included) that files were sent for."""
    ids = step_field_ids(step)
    pending = []
    for state in field_states(form, answers):
        if state.field.accepts_files and state.path.split(".", 1)[0] in ids:
            sent = [f for f in files.getlist(state.path) if isinstance(f, FileStorage) and f.filename]
            if sent:
                assert isinstance(state.field, FileField)
                pending.append(PendingUploads(state.path, state.field, sent, list(get_path(answers, state.path) or [])))
    return pending


def keep_uploads(step: Step, answers: dict[str, Any], pending: PendingUploads) -> None:
    """Writes the entries of ``pending`` (with the newly stored files) into ``answers``."""
    if pending.entries:
        set_path(answers, step, pending.path, pending.entries)


@dataclass(frozen=True)
class PagePreview:
    """A page of a form as a citizen first sees it: the step, its starting answers and field states."""

    step: Step
    answers: dict[str, Any]
    states: dict[str, Any]


def page_previews(form: Form) -> list[PagePreview]:
    """Every page of ``form`` before anything is typed (for the editor's preview)."""
    answers: dict[str, Any] = {}
    for step in form.steps:
        answers = with_initial_answers(step, answers)
    states = {state.path: state for state in field_states(form, answers)}
    return [PagePreview(step, answers, states) for step in form.steps]
