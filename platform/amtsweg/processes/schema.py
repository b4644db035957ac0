"""Schema of a shared process definition (``shared_processes/<slug>/process.yaml``).

Two layers: pydantic models check the structure (keys, types, per-field-type keys), and
:func:`semantic_issues` checks what needs the whole definition or its surroundings (unique ids,
JSON Logic variables, LeiKa keys, kind-specific keys, templates). The format is described in
``docs/process-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

# The semantic checks report the kernel's problem type under the name they have always used.
from flask_babel import LazyString, lazy_gettext
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from amtsweg.errors import Problem as Issue
from amtsweg.forms.base import FieldDefinition, Id, Logic, Model, Text, one_of
from amtsweg.forms.form import Form
from amtsweg.tenancy.aktenplan import DEFAULT_FILE, UNIT_NUMBER, Aktenplan

# The areas of the catalogue; labels translated when shown (lazy: this module loads outside requests).
AREAS: dict[str, LazyString] = {
    "buergerservice": lazy_gettext("Bürgerservice"),
    "sicherheit-ordnung": lazy_gettext("Sicherheit & Ordnung"),
    "familie-sport-kultur": lazy_gettext("Familie, Sport & Kultur"),
    "steuern-gebuehren": lazy_gettext("Steuern & Gebühren"),
    "standesamt": lazy_gettext("Standesamt"),
    "bauen-umwelt": lazy_gettext("Bauen & Umwelt"),
    "soziales": lazy_gettext("Soziales"),
    "wirtschaft": lazy_gettext("Wirtschaft & Gewerbe"),
}


def area_label(area: str) -> str:
    """An area's name in the current language (its key when unknown)."""
    return str(AREAS.get(area, area))


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
LANGUAGES = ("de", "en")

SLUG_PATTERN = r"^[a-z0-9-]+$"
# Trust levels a service may ask of the citizen's login (the levels of amtsweg.auth.trust, which
# sits above this module): 1 "niedrig", 3 "substanziell", 4 "hoch".
TrustLevelNumber = Literal[1, 3, 4]
TRUST_LEVEL_NUMBERS: tuple[int, ...] = (1, 3, 4)


def _https_url(value: str) -> str:
    if not re.match(r"^https://[^\s/]+\.[^\s]+$", value):
        raise ValueError(f"'{value}' is not an https URL")
    return value


def _leika_as_string(value: Any) -> Any:
    # YAML reads an unquoted 14-digit key as an integer; accept it rather than fail on quoting.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None if value == "" else value


HttpsUrl = Annotated[str, AfterValidator(_https_url)]
State = Annotated[str, AfterValidator(one_of(STATES, "state"))]
Role = Annotated[str, AfterValidator(one_of(ROLES, "role"))]


# --------------------------------------------------------------------------- fees


class Fee(Model):
    id: Id
    label: Text
    amount_cents: Annotated[int, Field(ge=0, strict=True)] | None = None
    amount_rule: Logic | None = None
    when: Logic | None = None
    # A deposit (Kaution): paid with the fees but refunded later, so never part of the fee total.
    refundable: bool = False

    @model_validator(mode="after")
    def _one_amount(self) -> Fee:
        if (self.amount_cents is None) == (self.amount_rule is None):
            raise ValueError("give exactly one of amount_cents and amount_rule")
        return self


# When the citizen pays a process's fee (see cases/payment.py): "none" — never online, the town
# collects it; "optional" — online right after submitting if they like, the case goes on anyway;
# "before_processing" — the case waits as "Zahlung ausstehend" until the fee is booked;
# "after_decision" — when a clerk requests it ("Zahlung anfordern").
PAYMENT_POLICY_LABELS: dict[str, LazyString] = {
    "none": lazy_gettext("keine Online-Zahlung (die Kommune zieht die Gebühr selbst ein)"),
    "optional": lazy_gettext("freiwillig online direkt nach dem Absenden"),
    "before_processing": lazy_gettext("vor der Bearbeitung, direkt nach dem Absenden"),
    "after_decision": lazy_gettext("mit der Entscheidung, wenn die Sachbearbeitung sie anfordert"),
}
PAYMENT_POLICIES = tuple(PAYMENT_POLICY_LABELS)
DEFAULT_PAYMENT_POLICY = "after_decision"
PaymentPolicyName = Annotated[str, AfterValidator(one_of(PAYMENT_POLICIES, "payment policy"))]
# The transition a booked fee performs out of awaiting_payment (payments/requests.py).
PAYMENT_RECEIVED = "payment_received"


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
    disposal: Annotated[str, AfterValidator(one_of(("archive", "delete"), "disposal"))]

    @property
    def archive_hint(self) -> str:
        return "A" if self.disposal == "archive" else "V"


class ProcessDefinition(Model):
    """A validated process definition; ``workflow`` is always resolved to a :class:`Workflow`."""

    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
    kind: Annotated[str, AfterValidator(one_of(("digital", "external"), "kind"))]
    # The pattern sits on the str branch only: a stored definition carries ``leika: null``.
    leika: Annotated[Annotated[str, Field(pattern=r"^\d{14}$")] | None, BeforeValidator(_leika_as_string)] = None
    category: Annotated[str, AfterValidator(one_of(AREAS, "area"))]
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
    # The login the citizen needs before the form opens; none = the form is open to everyone.
    trust_level: TrustLevelNumber | None = None
    # Only for organisations: the applicant logs in with an organisation account (Mein
    # Unternehmenskonto) at ``trust_level`` or at least a registered one; a person's login is refused.
    organisation_account: bool = False
    fees: list[Fee] = []
    payment: PaymentPolicyName = DEFAULT_PAYMENT_POLICY
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
    issues += _payment_issues(definition)
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
        if definition.organisation_account:
            issues.append(Issue("organisation_account", "not allowed for kind 'external' (no form to log in to)"))
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
        if fld.item_fields:
            issues += _duplicates(
                ((f"{path}.fields[{k}].id", sub.id) for k, sub in enumerate(fld.item_fields)), "field id in group"
            )
            inner = Scope({**top_scope.fields, **{sub.id: sub for sub in fld.item_fields}})
            for k, sub in enumerate(fld.item_fields):
                issues += _field_issues(sub, f"{path}.fields[{k}]", inner)
                if getattr(sub, "prefill", None) is not None:
                    # A login describes one person or organisation; which item of a repeatable group
                    # would be theirs is the applicant's choice, not the definition's.
                    issues.append(Issue(f"{path}.fields[{k}].prefill", (
                        f"prefill is not allowed inside the repeatable group '{fld.id}': a login fills one "
                        "field, not one of the group's items; put the field outside the group")))
    return issues


def _field_issues(fld: FieldDefinition, path: str, scope: Scope) -> list[Issue]:
    issues = [Issue(f"{path}.{where}", message) for where, message in fld.definition_problems()]
    for key, rule in (("show_if", fld.show_if), ("required_if", fld.required_condition)):
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


def _payment_issues(definition: ProcessDefinition) -> list[Issue]:
    """A fee paid before processing needs the step a booked payment takes out of awaiting_payment."""
    if definition.payment != "before_processing" or definition.kind != "digital":
        return []
    transitions = definition.workflow.transitions if definition.workflow else []
    if not any(t.id == PAYMENT_RECEIVED and "awaiting_payment" in t.from_ for t in transitions):
        return [Issue("payment", f"payment 'before_processing' needs a workflow with a '{PAYMENT_RECEIVED}' "
                                 "transition from awaiting_payment (e.g. workflow: fee)")]
    return []


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
        # The close action starts the retention period; a closed case without it would never be disposed of.
        if any(action.type == "close" for action in transition.actions) != (transition.to == "closed"):
            issues.append(Issue(f"{path}.actions", "every transition to 'closed' has the action 'close', no other has"))
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
# Operators that compare or compute with numbers: a list or a mapping as operand is a mistake.
_NUMERIC = frozenset({">", ">=", "<", "<=", "+", "-", "*", "/", "%", "min", "max"})


@dataclass(frozen=True)
class Scope:
    """Field ids a JSON Logic ``var`` may name at one place of a definition."""

    fields: dict[str, FieldDefinition]
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
        if operator in _NUMERIC:
            _check_numeric_operands(operator, args_list, path, scope, issues)
        _check_logic(args_list, path, scope, issues)


def _check_numeric_operands(operator: str, args: list[Any], path: str, scope: Scope, issues: list[Issue]) -> None:
    """A field whose answer is a list or a mapping (its type's ``logic_type``) named directly as an
    operand of a comparison or a computation: such a rule never holds."""
    for arg in args:
        name = arg.get("var") if isinstance(arg, dict) and len(arg) == 1 else None
        name = name[0] if isinstance(name, list) and name else name
        fld = scope.fields.get(name) if isinstance(name, str) and scope.reduce_item is None else None
        if fld is not None and fld.logic_type in ("array", "object"):
            issues.append(Issue(path, f"'{operator}' needs numbers or texts, but the answer of field '{name}'"
                                      f" is a JSON {fld.logic_type}"))


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
    return fld is not None and fld.var_known(parts[1:])


def _item_scope(source: Any, scope: Scope) -> Scope:
    """Inside some/all/map/...: the item's fields when iterating over a group, else nothing named."""
    if isinstance(source, dict) and set(source) == {"var"}:
        name = source["var"][0] if isinstance(source["var"], list) else source["var"]
        fld = scope.fields.get(name) if isinstance(name, str) else None
        if fld is not None and fld.item_fields:
            return Scope({s.id: s for s in fld.item_fields})
    return Scope({})
