"""JSON Logic over a form's answers: which fields are shown and which are required.

Answers are a dict ``{field_id: value}`` over all steps; a group's value is a list of dicts, one per
item. A condition of a field inside a group sees the item's fields and all top-level fields (the
item's win on equal ids). Answers of hidden fields count as absent for every other condition.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from json_logic import jsonLogic

from amtsweg.forms.base import FieldDefinition, Logic
from amtsweg.forms.form import Form


class LogicError(ValueError):
    """A JSON Logic rule could not be evaluated over the given data."""


def evaluate(rule: Logic, data: dict[str, Any]) -> Any:
    """Evaluates a JSON Logic rule; errors (e.g. arithmetic on a missing answer) raise LogicError."""
    try:
        return jsonLogic(rule, data)
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError) as exc:
        raise LogicError(f"cannot evaluate {rule!r}: {exc}") from exc


def holds(rule: Logic | None, data: dict[str, Any], *, default: bool) -> bool:
    """Truth of an optional condition; a condition that cannot be evaluated does not hold."""
    if rule is None:
        return default
    try:
        return bool(evaluate(rule, data))
    except LogicError:
        return False


def is_visible(fld: FieldDefinition, data: dict[str, Any]) -> bool:
    """Whether the field is shown for these answers (its ``show_if``, shown without one)."""
    return holds(fld.show_if, data, default=True)


def is_required(fld: FieldDefinition, data: dict[str, Any]) -> bool:
    """Required when shown and either ``required: true`` or its ``required_if`` holds."""
    if not fld.takes_input or not is_visible(fld, data):
        return False
    return fld.is_required(holds(fld.required_condition, data, default=False))


@dataclass(frozen=True)
class FieldState:
    """One field (or one field of one group item) under the given answers."""

    path: str  # "vorname", "hunde.0.rasse" — the same dotted path a JSON Logic var uses
    field: FieldDefinition
    required: bool
    value: Any


def _visible_top(form: Form, answers: dict[str, Any]) -> dict[str, FieldDefinition]:
    fields = list(form.top_fields())
    data = dict(answers)
    # A field hidden by a condition may hide further fields; repeat until nothing changes.
    for _ in range(len(fields) + 1):
        visible = {f.id: f for f in fields if is_visible(f, data)}
        pruned = {k: v for k, v in answers.items() if k in visible}
        if pruned == data:
            break
        data = pruned
    return visible


def field_states(form: Form, answers: dict[str, Any]) -> list[FieldState]:
    """Every visible field with its value and whether it is required, group items expanded."""
    visible = _visible_top(form, answers)
    data = {k: v for k, v in answers.items() if k in visible}
    states = []
    for fld in visible.values():
        value = data.get(fld.id)
        states.append(FieldState(fld.id, fld, is_required(fld, data), value))
        if fld.item_fields and isinstance(value, list):
            for index, item in enumerate(value):
                item_data = {**data, **item} if isinstance(item, dict) else data
                for sub in fld.item_fields:
                    if is_visible(sub, item_data):
                        sub_value = item.get(sub.id) if isinstance(item, dict) else None
                        states.append(
                            FieldState(f"{fld.id}.{index}.{sub.id}", sub, is_required(sub, item_data), sub_value)
                        )
    return states


def visible_fields(form: Form, answers: dict[str, Any]) -> list[str]:
    """Paths of the fields shown for these answers."""
    return [s.path for s in field_states(form, answers)]


def required_fields(form: Form, answers: dict[str, Any]) -> list[str]:
    """Paths of the fields that must be answered for these answers."""
    return [s.path for s in field_states(form, answers) if s.required]


def prune_hidden(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without hidden fields, unknown keys and info fields (what is kept on a case)."""
    kept: dict[str, Any] = {}
    for state in field_states(form, answers):
        if not state.field.takes_input or state.value is None:
            continue
        head, *rest = state.path.split(".")
        if not rest:
            if not state.field.item_fields:
                kept[head] = state.value
            elif isinstance(state.value, list):
                kept[head] = [{} for _ in state.value]
        else:
            kept[head][int(rest[0])][rest[1]] = state.value
    return kept


def var_names(rule: Any) -> Iterable[str]:
    """The top-level answer ids a JSON Logic rule reads (``var`` and ``missing`` names)."""
    if isinstance(rule, list):
        for item in rule:
            yield from var_names(item)
    elif isinstance(rule, dict):
        for operator, args in rule.items():
            names = args if isinstance(args, list) else [args]
            if operator in ("var", "missing", "missing_some"):
                listed = names[1] if operator == "missing_some" and len(names) > 1 else names
                for name in listed if isinstance(listed, list) else [listed]:
                    if isinstance(name, str) and name:
                        yield name.split(".", 1)[0]
            yield from var_names(args)


def page_conditions(form: Form, fields: list[FieldDefinition], answers: dict[str, Any],
                    locked: Collection[str] = ()) -> dict[str, Any] | None:
    """What a page's script needs to evaluate the ``show_if`` rules of ``fields`` as the server
    does: the answers of fields on other pages, and of ``locked`` fields (shown, not sent), that the
    rules read (hidden ones left out). How it reads the page's own inputs is rendered on them
    (``data-answer``, ``data-value``). None when nothing on the page is conditional."""
    rules = [sub.show_if for fld in fields for sub in (fld, *fld.item_fields) if sub.show_if is not None]
    if not rules:
        return None
    read = set(var_names(rules)) - ({fld.id for fld in fields} - set(locked))
    return {"answers": {key: value for key, value in prune_hidden(form, answers).items() if key in read}}
