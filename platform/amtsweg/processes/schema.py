"""Schema of a shared process definition (``shared_processes/<slug>/process.yaml``).

Two layers: pydantic models check the structure (keys, types, per-field-type keys), and
:func:`semantic_issues` checks what needs the whole definition or its surroundings (unique ids,
JSON Logic variables, LeiKa keys, kind-specific keys, templates). The format is described in
``docs/process-format.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

# The semantic checks report the kernel's problem type under the name they have always used.
from amtsweg.errors import Problem as Issue
from amtsweg.tenancy.aktenplan import DEFAULT_FILE, UNIT_NUMBER, Aktenplan

AREAS: dict[str, str] = {
    "buergerservice": "Bürgerservice",
    "sicherheit-ordnung": "Sicherheit & Ordnung",
    "familie-sport-kultur": "Familie, Sport & Kultur",
    "steuern-gebuehren": "Steuern & Gebühren",
    "standesamt": "Standesamt",
    "bauen-umwelt": "Bauen & Umwelt",
    "soziales": "Soziales",
    "wirtschaft": "Wirtschaft & Gewerbe",
}
STATES = (
    "submitted",
    "awaiting_payment",
    "in_progress",
    "waiting_for_citizen",
    "approved",
    "rejected",
    "closed",
    "withdrawn",
    "archived",
)
# Withdrawal is the citizen's own step and archiving is done by the retention job, so a workflow
# never moves a case into or out of these states.
NON_WORKFLOW_STATES = ("withdrawn", "archived")
ROLES = ("clerk", "team_lead", "tenant_admin")
FILE_TYPES = ("pdf", "jpeg", "jpg", "png", "gif", "tiff", "heic", "docx", "odt", "xlsx", "ods", "txt")
ADDRESS_PARTS = ("street", "house_number", "postal_code", "city", "country")
LANGUAGES = ("de", "en")

ID_PATTERN = r"^[a-z0-9_]+$"
SLUG_PATTERN = r"^[a-z0-9-]+$"
_RELATIVE_DATE = re.compile(r"^today(?:([+-])(\d{1,5}))?$")


def _one_of(allowed: Iterable[str], what: str) -> Callable[[str], str]:
    allowed = tuple(allowed)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} '{value}' (allowed: {', '.join(allowed)})")
        return value

    return check


def _https_url(value: str) -> str:
    if not re.match(r"^https://[^\s/]+\.[^\s]+$", value):
        raise ValueError(f"'{value}' is not an https URL")
    return value


def _leika_as_string(value: Any) -> Any:
    # YAML reads an unquoted 14-digit key as an integer; accept it rather than fail on quoting.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None if value == "" else value


Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
State = Annotated[str, AfterValidator(_one_of(STATES, "state"))]
Role = Annotated[str, AfterValidator(_one_of(ROLES, "role"))]
Logic = dict[str, Any]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(Model):
    """A user-facing text in German and English."""

    de: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


# --------------------------------------------------------------------------- form fields


class BaseField(Model):
    id: Id
    label: Text
    help: Text | None = None
    required: bool = False
    required_if: Logic | None = None
    show_if: Logic | None = None
    autocomplete: Annotated[str, Field(pattern=r"^[a-z0-9 -]+$")] | None = None


class TextField(BaseField):
    type: Literal["text", "textarea"]
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=1, le=100_000)] | None = None
    pattern: str | None = None
    pattern_message: Text | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TextField:
        if self.min_length is not None and self.min_length > self.effective_max_length:
            raise ValueError("min_length is greater than max_length")
        if self.pattern_message is not None and self.pattern is None:
            raise ValueError("pattern_message needs a pattern")
        return self

    @property
    def effective_max_length(self) -> int:
        """max_length with the documented default (200 for text, 4000 for textarea)."""
        if self.max_length is not None:
            return self.max_length
        return 200 if self.type == "text" else 4000


class EmailField(BaseField):
    type: Literal["email"]


class PhoneField(BaseField):
    type: Literal["phone"]


class NumberField(BaseField):
    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> NumberField:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class MoneyField(BaseField):
    type: Literal["money"]
    min_cents: Annotated[int, Field(ge=0)] | None = None
    max_cents: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MoneyField:
        if self.min_cents is not None and self.max_cents is not None and self.min_cents > self.max_cents:
            raise ValueError("min_cents is greater than max_cents")
        return self


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


class DateField(BaseField):
    type: Literal["date"]
    min: DateBound | None = None
    max: DateBound | None = None
    past_only: bool = False
    future_only: bool = False

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


class Option(Model):
    value: Annotated[str, Field(min_length=1, max_length=100, strict=True)]
    label: Text


class ChoiceField(BaseField):
    type: Literal["select", "radio"]
    options: Annotated[list[Option], Field(min_length=2)]


class CheckboxesField(BaseField):
    type: Literal["checkboxes"]
    options: Annotated[list[Option], Field(min_length=1)]
    min_selected: Annotated[int, Field(ge=0)] | None = None
    max_selected: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CheckboxesField:
        if self.max_selected is not None and self.max_selected > len(self.options):
            raise ValueError("max_selected is greater than the number of options")
        if self.min_selected is not None and self.min_selected > (self.max_selected or len(self.options)):
            raise ValueError("min_selected is greater than max_selected or the number of options")
        return self


class YesNoField(BaseField):
    type: Literal["yesno"]


class AddressField(BaseField):
    type: Literal["address"]
    country: bool = False

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts this address asks for (the country only when ``country`` is set)."""
        return ADDRESS_PARTS if self.country else tuple(p for p in ADDRESS_PARTS if p != "country")


class IbanField(BaseField):
    type: Literal["iban"]


class FileField(BaseField):
    type: Literal["file"]
    accept: Annotated[
        list[Annotated[str, AfterValidator(_one_of(FILE_TYPES, "file type"))]], Field(min_length=1)
    ] = ["pdf", "jpeg", "png"]
    max_size_mb: Annotated[int, Field(ge=1, le=100)] = 10
    max_files: Annotated[int, Field(ge=1, le=50)] = 1


class InfoField(Model):
    """A hint shown in the step; it takes no input."""

    id: Id
    type: Literal["info"]
    text: Text
    label: Text | None = None
    show_if: Logic | None = None


# Every field type except a group; a group's items hold these (groups do not nest).
_ItemField = (
    TextField
    | EmailField
    | PhoneField
    | NumberField
    | MoneyField
    | DateField
    | ChoiceField
    | CheckboxesField
    | YesNoField
    | AddressField
    | IbanField
    | FileField
    | InfoField
)
InputField = Annotated[_ItemField, Discriminator("type")]


class GroupField(BaseField):
    """A repeatable group of fields (e.g. one entry per dog)."""

    type: Literal["group"]
    fields: Annotated[list[InputField], Field(min_length=1)]
    min_items: Annotated[int, Field(ge=0)] = 0
    max_items: Annotated[int, Field(ge=1, le=100)] = 10
    item_label: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GroupField:
        if self.min_items > self.max_items:
            raise ValueError("min_items is greater than max_items")
        return self


AnyField = Annotated[_ItemField | GroupField, Discriminator("type")]
FIELD_TYPES = (
    "text", "textarea", "email", "phone", "number", "money", "date", "select", "radio",
    "checkboxes", "yesno", "address", "iban", "file", "info", "group",
)


class Step(Model):
    id: Id
    title: Text
    intro: Text | None = None
    fields: Annotated[list[AnyField], Field(min_length=1)]


class Form(Model):
    steps: Annotated[list[Step], Field(min_length=1)]

    def top_fields(self) -> Iterator[AnyField]:
        """All fields of all steps in order (groups not expanded)."""
        for step in self.steps:
            yield from step.fields


# --------------------------------------------------------------------------- fees


class Fee(Model):
    id: Id
    label: Text
    amount_cents: Annotated[int, Field(ge=0, strict=True)] | None = None
    amount_rule: Logic | None = None
    when: Logic | None = None

    @model_validator(mode="after")
    def _one_amount(self) -> Fee:
        if (self.amount_cents is None) == (self.amount_rule is None):
            raise ValueError("give exactly one of amount_cents and amount_rule")
        return self


# --------------------------------------------------------------------------- workflow


class TemplateAction(Model):
    type: Literal["notify_citizen", "request_documents", "create_letter"]
    template: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]


class PlainAction(Model):
    type: Literal["request_payment", "close"]


Action = Annotated[TemplateAction | PlainAction, Discriminator("type")]
ACTION_TYPES = ("notify_citizen", "request_documents", "request_payment", "create_letter", "close")
# Mail the payments module sends for request_payment; a process may override it like any other.
PAYMENT_MAIL = "zahlungsaufforderung"


class Transition(Model):
    id: Id
    from_: Annotated[list[State], Field(alias="from", min_length=1)]
    to: State
    roles: Annotated[list[Role], Field(min_length=1)]
    label: Text
    actions: list[Action] = []

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Workflow(Model):
    transitions: Annotated[list[Transition], Field(min_length=1)]


# --------------------------------------------------------------------------- process


class LegalBasis(Model):
    title: Annotated[str, Field(min_length=1)]
    url: HttpsUrl | None = None


class Retention(Model):
    """The process's own retention, overriding its Aktenplan unit's: ``disposal: archive`` is the
    hint "A" (archivwürdig, offered to the archive), ``delete`` the hint "V" (destroyed)."""

    years: Annotated[int, Field(ge=0, le=100)]
    after: Literal["closed"] = "closed"
    disposal: Annotated[str, AfterValidator(_one_of(("archive", "delete"), "disposal"))]

    @property
    def archive_hint(self) -> str:
        return "A" if self.disposal == "archive" else "V"


class ProcessDefinition(Model):
    """A validated process definition; ``workflow`` is always resolved to a :class:`Workflow`."""

    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
    kind: Annotated[str, AfterValidator(_one_of(("digital", "external"), "kind"))]
    # The pattern sits on the str branch only: a stored definition carries ``leika: null``.
    leika: Annotated[Annotated[str, Field(pattern=r"^\d{14}$")] | None, BeforeValidator(_leika_as_string)] = None
    category: Annotated[str, AfterValidator(_one_of(AREAS, "area"))]
    # The unit of the default Aktenplan its cases are filed under (a town may map it elsewhere).
    aktenplan: Annotated[str, Field(pattern=UNIT_NUMBER.pattern)] | None = None
    title: Text
    summary: Text
    keywords: list[Annotated[str, Field(min_length=1)]] = []
    external_url: HttpsUrl | None = None
    provider: Text | None = None
    legal_basis: list[LegalBasis] = []
    processing_days: Annotated[int, Field(ge=1, le=365)] | None = None
    required_documents: list[Text] = []
    fees: list[Fee] = []
    form: Form | None = None
    workflow: Workflow | None = None
    retention: Retention | None = None

    @field_validator("workflow", mode="before")
    @classmethod
    def _resolve_named_workflow(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        context = info.context
        if not isinstance(context, ValidationContext):
            raise ValueError(f"named workflow '{value}' cannot be resolved here")
        if value in context.broken_workflows:
            raise ValueError(f"workflow '{value}' is invalid, see _workflows/{value}.yaml")
        if value not in context.workflows:
            known = ", ".join(sorted(context.workflows)) or "none"
            raise ValueError(f"unknown workflow '{value}' (known: {known})")
        return context.workflows[value]


@dataclass
class ValidationContext:
    """What a definition is checked against beyond its own content."""

    leika_keys: frozenset[str] = frozenset()
    # The library's default Aktenplan (None: not loaded, its own problems are reported)
    aktenplan: Aktenplan | None = None
    workflows: dict[str, Workflow] = field(default_factory=dict)
    broken_workflows: frozenset[str] = frozenset()
    folder_name: str | None = None
    # Returns whether a template exists, e.g. template_exists("letters/bescheid-genehmigung.html").
    template_exists: Callable[[str], bool] | None = None


# --------------------------------------------------------------------------- semantic checks


def semantic_issues(definition: ProcessDefinition, context: ValidationContext) -> list[Issue]:
    """Checks that need the whole definition or its surroundings; structure is already valid."""
    issues: list[Issue] = []
    if context.folder_name is not None and definition.slug != context.folder_name:
        issues.append(Issue("slug", f"slug '{definition.slug}' does not match folder '{context.folder_name}'"))
    if definition.leika is not None and definition.leika not in context.leika_keys:
        issues.append(Issue("leika", f"LeiKa key '{definition.leika}' is not in the LeiKa list"))
    issues += _kind_issues(definition)
    issues += _aktenplan_issues(definition, context.aktenplan)
    if definition.form is not None:
        issues += _form_issues(definition.form)
    issues += _fee_issues(definition)
    if definition.workflow is not None:
        issues += workflow_issues(definition.workflow, "workflow")
        if context.template_exists is not None:
            issues += _template_issues(definition.workflow, context.template_exists)
    return issues


def _aktenplan_issues(definition: ProcessDefinition, plan: Aktenplan | None) -> list[Issue]:
    if definition.aktenplan is None or plan is None:
        return []
    unit = plan.unit(definition.aktenplan)
    if unit is None:
        return [Issue("aktenplan", f"unit '{definition.aktenplan}' is not in {DEFAULT_FILE}")]
    if not unit.fileable:
        return [Issue("aktenplan", f"unit '{definition.aktenplan}' of {DEFAULT_FILE} has no retention or archive "
                                   "hint, cases cannot be filed there")]
    return []


def _kind_issues(definition: ProcessDefinition) -> list[Issue]:
    issues = []
    if definition.kind == "external":
        for key in ("external_url", "provider"):
            if getattr(definition, key) is None:
                issues.append(Issue(key, "required for kind 'external'"))
        for key in ("form", "workflow", "retention", "aktenplan"):
            if getattr(definition, key) is not None:
                issues.append(Issue(key, "not allowed for kind 'external' (the service runs elsewhere)"))
    else:
        for key in ("form", "workflow", "processing_days", "aktenplan"):
            if getattr(definition, key) is None:
                issues.append(Issue(key, "required for kind 'digital'"))
        if not definition.legal_basis:
            issues.append(Issue("legal_basis", "required for kind 'digital'"))
        for key in ("external_url", "provider"):
            if getattr(definition, key) is not None:
                issues.append(Issue(key, "only allowed for kind 'external'"))
    return issues


def _duplicates(items: Iterable[tuple[str, str]], what: str) -> list[Issue]:
    seen: set[str] = set()
    issues = []
    for path, value in items:
        if value in seen:
            issues.append(Issue(path, f"duplicate {what} '{value}'"))
        seen.add(value)
    return issues


def _form_issues(form: Form) -> list[Issue]:
    issues = _duplicates(((f"form.steps[{i}].id", s.id) for i, s in enumerate(form.steps)), "step id")
    top = [(f"form.steps[{i}].fields[{j}]", f) for i, s in enumerate(form.steps) for j, f in enumerate(s.fields)]
    issues += _duplicates(((f"{p}.id", f.id) for p, f in top), "field id")
    top_scope = Scope({f.id: f for _, f in top})
    for path, fld in top:
        issues += _field_issues(fld, path, top_scope)
        if isinstance(fld, GroupField):
            issues += _duplicates(
                ((f"{path}.fields[{k}].id", sub.id) for k, sub in enumerate(fld.fields)), "field id in group"
            )
            inner = Scope({**top_scope.fields, **{sub.id: sub for sub in fld.fields}})
            for k, sub in enumerate(fld.fields):
                issues += _field_issues(sub, f"{path}.fields[{k}]", inner)
    return issues


def _field_issues(fld: AnyField, path: str, scope: Scope) -> list[Issue]:
    issues = []
    options = getattr(fld, "options", None)
    if options is not None:
        issues += _duplicates(((f"{path}.options[{i}].value", o.value) for i, o in enumerate(options)), "option value")
    for key in ("show_if", "required_if"):
        rule = getattr(fld, key, None)
        if rule is not None:
            issues += logic_issues(rule, f"{path}.{key}", scope)
    return issues


def _fee_issues(definition: ProcessDefinition) -> list[Issue]:
    issues = _duplicates(((f"fees[{i}].id", f.id) for i, f in enumerate(definition.fees)), "fee id")
    scope = Scope({f.id: f for f in definition.form.top_fields()} if definition.form else {})
    for i, fee in enumerate(definition.fees):
        for key in ("amount_rule", "when"):
            rule = getattr(fee, key)
            if rule is not None:
                issues += logic_issues(rule, f"fees[{i}].{key}", scope)
    return issues


def workflow_issues(workflow: Workflow, prefix: str) -> list[Issue]:
    """Checks of a workflow on its own (also run on the files in ``_workflows/``)."""
    transitions = workflow.transitions
    base = f"{prefix}.transitions" if prefix else "transitions"
    issues = _duplicates(((f"{base}[{i}].id", t.id) for i, t in enumerate(transitions)), "transition id")
    for i, transition in enumerate(transitions):
        path = f"{base}[{i}]"
        for j, state in enumerate(transition.from_):
            if state in NON_WORKFLOW_STATES:
                issues.append(Issue(f"{path}.from[{j}]", f"a workflow cannot move a case out of '{state}'"))
        if transition.to in NON_WORKFLOW_STATES:
            issues.append(Issue(f"{path}.to", f"a workflow cannot move a case to '{transition.to}'"))
        if transition.to in transition.from_:
            issues.append(Issue(f"{path}.to", f"transition leads from '{transition.to}' to itself"))
    if not any("submitted" in t.from_ for t in transitions):
        issues.append(Issue(base, "no transition leaves 'submitted'"))
    return issues


def template_files(action: TemplateAction | PlainAction) -> list[str]:
    """The template files an action needs, relative to a template root."""
    if isinstance(action, PlainAction):
        name = PAYMENT_MAIL if action.type == "request_payment" else None
        return [f"mails/{name}.{lang}.txt" for lang in LANGUAGES] if name else []
    if action.type == "create_letter":
        return [f"letters/{action.template}.html"]
    return [f"mails/{action.template}.{lang}.txt" for lang in LANGUAGES]


def _template_issues(workflow: Workflow, template_exists: Callable[[str], bool]) -> list[Issue]:
    issues = []
    for i, transition in enumerate(workflow.transitions):
        for j, action in enumerate(transition.actions):
            for name in template_files(action):
                if not template_exists(name):
                    key = "template" if isinstance(action, TemplateAction) else "type"
                    issues.append(Issue(
                        f"workflow.transitions[{i}].actions[{j}].{key}",
                        f"template '{name}' not found (neither in the process folder nor in _templates/)",
                    ))
    return issues


# --------------------------------------------------------------------------- JSON Logic

LOGIC_OPERATORS = frozenset({
    "==", "===", "!=", "!==", ">", ">=", "<", "<=", "!!", "!", "and", "or", "if", "?:", "in",
    "cat", "substr", "+", "-", "*", "/", "%", "min", "max", "merge", "var", "missing",
    "missing_some", "some", "all", "none", "map", "filter", "reduce",
})
_SCOPED = frozenset({"some", "all", "none", "map", "filter", "reduce"})


@dataclass(frozen=True)
class Scope:
    """Field ids a JSON Logic ``var`` may name at one place of a definition."""

    fields: dict[str, Any]
    reduce_item: Scope | None = None


def logic_issues(rule: Any, path: str, scope: Scope) -> list[Issue]:
    """Problems of a JSON Logic rule: unknown or unsafe operators and ``var`` names of unknown fields.

    ``log`` and ``method`` are refused: definitions must not call methods or write logs.
    """
    issues: list[Issue] = []
    _check_logic(rule, path, scope, issues)
    return issues


def _check_logic(node: Any, path: str, scope: Scope, issues: list[Issue]) -> None:
    if isinstance(node, list):
        for item in node:
            _check_logic(item, path, scope, issues)
        return
    if not isinstance(node, dict):
        return
    if len(node) != 1:
        issues.append(Issue(path, f"a JSON Logic rule must have exactly one operator, got {sorted(node)}"))
        return
    operator, args = next(iter(node.items()))
    if operator not in LOGIC_OPERATORS:
        issues.append(Issue(path, f"unknown JSON Logic operator '{operator}'"))
        return
    args_list = args if isinstance(args, list) else [args]
    if operator == "var":
        _check_var(args_list, path, scope, issues)
    elif operator in ("missing", "missing_some"):
        names = args_list[1] if operator == "missing_some" and len(args_list) > 1 else args_list
        for name in names if isinstance(names, list) else [names]:
            if isinstance(name, str) and not _var_known(name, scope):
                issues.append(Issue(path, f"unknown field '{name}' in missing"))
    elif operator in _SCOPED and len(args_list) >= 2:
        _check_logic(args_list[0], path, scope, issues)
        item_scope = _item_scope(args_list[0], scope)
        inner = Scope({}, reduce_item=item_scope) if operator == "reduce" else item_scope
        _check_logic(args_list[1], path, inner, issues)
        _check_logic(args_list[2:], path, scope, issues)
    else:
        _check_logic(args_list, path, scope, issues)


def _check_var(args: list[Any], path: str, scope: Scope, issues: list[Issue]) -> None:
    name = args[0] if args else ""
    if isinstance(name, (dict, list)):
        issues.append(Issue(path, "a var name must be a string, not a rule"))
        return
    if not isinstance(name, str):
        name = str(name)
    if not _var_known(name, scope):
        issues.append(Issue(path, f"unknown field '{name}' in var"))


def _var_known(name: str, scope: Scope) -> bool:
    if name == "":
        return True
    parts = name.split(".")
    if scope.reduce_item is not None:
        if parts[0] == "accumulator":
            return True
        if parts[0] != "current":
            return False
        return _var_known(".".join(parts[1:]), scope.reduce_item)
    fld = scope.fields.get(parts[0])
    if fld is None:
        return False
    rest = parts[1:]
    if isinstance(fld, GroupField):
        if rest and rest[0].isdigit():
            rest = rest[1:]
        if not rest:
            return True
        sub = {s.id: s for s in fld.fields}.get(rest[0])
        return sub is not None and _var_known(".".join(rest), Scope({rest[0]: sub}))
    if isinstance(fld, AddressField):
        return len(rest) <= 1 and (not rest or rest[0] in ADDRESS_PARTS)
    if isinstance(fld, CheckboxesField):
        return len(rest) <= 1 and (not rest or rest[0].isdigit())
    return not rest


def _item_scope(source: Any, scope: Scope) -> Scope:
    """Inside some/all/map/...: the item's fields when iterating over a group, else nothing named."""
    if isinstance(source, dict) and set(source) == {"var"}:
        name = source["var"][0] if isinstance(source["var"], list) else source["var"]
        fld = scope.fields.get(name) if isinstance(name, str) else None
        if isinstance(fld, GroupField):
            return Scope({s.id: s for s in fld.fields})
    return Scope({})
