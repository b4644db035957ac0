"""The workflow engine: which transitions a definition allows in a state for a clerk's roles, and
performing one with its building-block actions.

Every transition is checked here on the server against the case's own definition version and the
acting account's roles; the pages only show what this module allows. The actions a definition
names (``notify_citizen``, ``request_documents``, ``request_payment``, ``create_letter``,
``close``) are objects in :data:`ACTIONS`, registered with :func:`register_action`; another module
replaces one by registering a subclass under the same type (the payments module does so for
``request_payment``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, TypeVar

from flask_babel import gettext, lazy_gettext
from jinja2 import DictLoader
from jinja2.sandbox import SandboxedEnvironment

from amtsweg.audit.services import record
from amtsweg.cases.deadlines import add_working_days, initial_due_date, is_overdue, working_days_between
from amtsweg.cases.events import STATUS_CHANGED, publish_case_event
from amtsweg.cases.models import FINISHED_STATUSES, Case, CaseMessage
from amtsweg.cases.tokens import issue_case_token, status_url
from amtsweg.clock import today_in_germany, utcnow
from amtsweg.documents.services import file_generated
from amtsweg.errors import NotAllowed
from amtsweg.extensions import db
from amtsweg.formatting import format_cents, format_date
from amtsweg.forms.base import localized
from amtsweg.notifications.services import queue_mail
from amtsweg.pdf import render_pdf
from amtsweg.processes.loader import from_storable
from amtsweg.processes.models import ProcessVersion
from amtsweg.processes.queries import town_overrides
from amtsweg.processes.schema import Action, ProcessDefinition, TemplateAction, Transition
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.assets import logo_data_uri
from amtsweg.text import with_dative_article

log = logging.getLogger(__name__)

# Statuses in which the processing clock does not run.
PAUSED_STATUSES = frozenset({"waiting_for_citizen", "awaiting_payment"})
# Letters are written in German, the official language (Amtssprache), whatever the page's language.
LETTER_LOCALE = "de"


# How a step's button looks on the case page; other steps are secondary buttons.
_STEP_TONES = {"in_progress": "primary", "approved": "primary", "rejected": "danger"}
# What the clerk's text is for, by the kind of message a step sends.
_MESSAGE_PROMPTS = {
    "information_request": lazy_gettext("Was fehlt? Ihre Nachforderung an die antragstellende Person (erforderlich)"),
}


def step_tone(transition: Transition) -> str:
    """"primary", "secondary" or "danger": how the step's button looks."""
    return _STEP_TONES.get(transition.to, "secondary")


def needs_confirmation(transition: Transition) -> bool:
    """A step that decides or ends the case is confirmed on a page of its own before it is done."""
    return transition.to in FINISHED_STATUSES


def message_prompt(transition: Transition) -> str:
    """The label of the text field a step sends to the applicant, saying what the text is for."""
    for spec in transition.actions:
        kind = ACTIONS[spec.type].message_kind if spec.type in ACTIONS else None
        if kind in _MESSAGE_PROMPTS:
            return str(_MESSAGE_PROMPTS[kind])
    if transition.to in ("approved", "rejected"):
        return gettext("Begründung im Bescheid „%(step)s“ (freiwillig)", step=localized(transition.label))
    return gettext("Nachricht an die antragstellende Person zu „%(step)s“ (freiwillig)",
                   step=localized(transition.label))


def case_is_overdue(case: Case, today: date | None = None) -> bool:
    """The case is still open and its due date has passed (a decided or closed case never is)."""
    return case.status not in FINISHED_STATUSES and is_overdue(case.due_date, today)


class IllegalTransition(NotAllowed):
    """The transition is not defined for the case's state, not allowed for the account's roles, or
    an action refuses it; ``str()`` says why in the page's language. Nothing was changed."""

    default_message = lazy_gettext(
        "Dieser Schritt ist im aktuellen Bearbeitungsstand oder mit Ihrer Rolle nicht möglich. "
        "Es wurde nichts geändert."
    )


def available_transitions(definition: ProcessDefinition, status: str, roles: Iterable[str]) -> list[Transition]:
    """Transitions out of ``status`` that at least one of ``roles`` may perform, in definition order."""
    if definition.workflow is None:
        return []
    held = set(roles)
    return [t for t in definition.workflow.transitions if status in t.from_ and held & set(t.roles)]


def transition_for(definition: ProcessDefinition, status: str, roles: Iterable[str], transition_id: str) -> Transition:
    """The transition ``transition_id`` if allowed now; raises :class:`IllegalTransition` otherwise."""
    for transition in available_transitions(definition, status, roles):
        if transition.id == transition_id:
            return transition
    raise IllegalTransition()


@dataclass(frozen=True)
class Actor:
    """Who performs a transition: the label for the audit log, and the roles checked."""

    label: str
    roles: tuple[str, ...]
    # Shown as the contact person's e-mail in letters; empty for automatic steps.
    email: str = ""


def definition_of(case: Case) -> tuple[ProcessVersion, ProcessDefinition]:
    """The definition version the case was submitted under (never the current one)."""
    version = db.session.get(ProcessVersion, case.process_version_id)
    if version is None:
        raise LookupError(f"process version {case.process_version_id} is missing")
    return version, from_storable(version.definition)


def start_clock(case: Case, processing_days: int | None) -> None:
    """Set the due date from the submission day, unless it is already set or the process has none."""
    if case.due_date is None:
        case.due_date = initial_due_date(case.submitted_at, processing_days)


def move_to(case: Case, status: str, today: date) -> None:
    """Set the case's status with what follows from it: entering a pause stops the processing
    clock, leaving one moves the due date by the working days it lasted; leaving
    ``awaiting_payment`` ends the payment request (the payment arrived or no longer matters)."""
    previous = case.status
    if status in PAUSED_STATUSES:
        case.paused_at = utcnow()
    elif previous in PAUSED_STATUSES:
        if case.due_date is not None and case.paused_at is not None:
            case.due_date = add_working_days(case.due_date, working_days_between(case.paused_at.date(), today))
        case.paused_at = None
    if previous == "awaiting_payment" and status != "awaiting_payment":
        case.payment_requested_at = None
    case.status = status


# --------------------------------------------------------------------------- actions


@dataclass
class Step:
    """One transition being performed, as its actions see it. ``details`` go into its audit event;
    ``key`` is unique to this performance (it keeps an action's mail from being queued twice)."""

    case: Case
    version: ProcessVersion
    definition: ProcessDefinition
    transition: Transition
    actor: Actor
    message: str
    today: date
    details: dict[str, Any]
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


class WorkflowAction:
    """One building block of a transition, named by ``type`` in a definition's workflow."""

    type: ClassVar[str]
    # The kind of the clerk's message on a transition with this action (None: a plain message).
    message_kind: ClassVar[str | None] = None

    def check(self, step: Step, spec: Action) -> None:
        """Refuse the transition before anything changes (raise :class:`IllegalTransition`)."""

    def apply(self, step: Step, spec: Action) -> None:
        """Do the action inside the transition's transaction (never commit)."""


ACTIONS: dict[str, WorkflowAction] = {}
_A = TypeVar("_A", bound=type[WorkflowAction])


def register_action(cls: _A) -> _A:
    """Class decorator: the action for ``cls.type`` (a later registration replaces an earlier one)."""
    ACTIONS[cls.type] = cls()
    return cls


def _template(spec: Action) -> str:
    assert isinstance(spec, TemplateAction)
    return spec.template


class CitizenMail(WorkflowAction):
    """Mails the citizen with a template of the case's process version (if an address is known)."""

    def apply(self, step: Step, spec: Action) -> None:
        case = step.case
        if not case.applicant_email:
            return
        template = _template(spec)
        sources = {name.removeprefix("mails/"): source
                   for name, source in step.version.definition.get("templates", {}).items()
                   if name.startswith("mails/")}
        title = step.definition.title.en if case.locale == "en" else step.definition.title.de
        # Tokens are stored only hashed, so an earlier link cannot be repeated: each mail carries a
        # fresh one, and every link the citizen ever received keeps working.
        link = status_url(issue_case_token(case.id, "mail"))
        queue_mail(
            to=case.applicant_email,
            template=template,
            context={
                "case": {"reference": case.reference, "applicant_name": case.applicant_name,
                         "submitted_at": format_date(case.submitted_at, case.locale), "status_url": link},
                "process": {"title": title},
                "decision_text": step.message,
                "clerk": {"name": step.actor.label, "phone": ""},
                "tenant": {"name": current_tenant().official_name},
            },
            locale=case.locale,
            dedupe_key=f"workflow-{step.key}-{template}",
            template_sources=sources,
            case_id=case.id,
        )


@register_action
class NotifyCitizen(CitizenMail):
    type = "notify_citizen"


@register_action
class RequestDocuments(CitizenMail):
    """Asks the citizen for documents or information: the clerk's text is the open request."""

    type = "request_documents"
    message_kind = "information_request"

    def check(self, step: Step, spec: Action) -> None:
        if not step.message:
            raise IllegalTransition(lazy_gettext(
                "Bitte schreiben Sie, welche Unterlagen oder Angaben fehlen. Es wurde nichts geändert."))


@register_action
class RequestPayment(WorkflowAction):
    """Notes on the case that its fee is due ("Zahlung ausstehend") and hands the payment to a
    provider. The payments module registers a subclass whose :meth:`start_payment` starts the
    provider's checkout and mails the citizen the payment link (template ``zahlungsaufforderung``)."""

    type = "request_payment"

    def apply(self, step: Step, spec: Action) -> None:
        step.case.payment_requested_at = utcnow()
        step.details["payment_due_cents"] = step.case.fee_cents
        self.start_payment(step)

    def start_payment(self, step: Step) -> None:
        """Without a payment provider the town collects the fee itself (invoice, cash desk) and a
        clerk confirms it with the transition out of ``awaiting_payment``."""
        log.warning("case %s: payment of %s cents requested; no payment provider is configured, the town "
                    "collects it", step.case.reference, step.case.fee_cents)
        step.details["payment_provider"] = None


@register_action
class CreateLetter(WorkflowAction):
    """Renders a letter of the case's process version to PDF and files it with the case."""

    type = "create_letter"

    def apply(self, step: Step, spec: Action) -> None:
        case, template = step.case, _template(spec)
        pdf = render_pdf(render_letter(step.version, step.definition, template, case, step.actor, step.message))
        document = file_generated(pdf, f"{template}-{case.reference}.pdf", case_id=case.id)
        step.details.setdefault("letters", []).append(document.id)


@register_action
class Close(WorkflowAction):
    """Closes the case for good: the retention period runs from here (archive.services)."""

    type = "close"

    def apply(self, step: Step, spec: Action) -> None:
        step.case.closed_at = utcnow()


def perform(case: Case, transition_id: str, actor: Actor, message: str = "", today: date | None = None) -> Transition:
    """Apply one transition in one transaction: status, deadline, message, actions and audit event.

    Raises :class:`IllegalTransition` (nothing changed) when the case's definition does not allow it
    from the current status for the actor's roles, or when one of its actions refuses it.
    """
    try:
        transition = apply_transition(case, transition_id, actor, message, today)
        db.session.commit()
        return transition
    except BaseException:
        db.session.rollback()
        raise


def apply_transition(case: Case, transition_id: str, actor: Actor, message: str = "",
                     today: date | None = None) -> Transition:
    """:func:`perform` inside the caller's transaction (which commits or rolls back), e.g. a
    payment's booking that lets the case continue."""
    version, definition = definition_of(case)
    transition = transition_for(definition, case.status, actor.roles, transition_id)
    step = Step(case, version, definition, transition, actor, message.strip(), today or today_in_germany(),
                {"from": case.status, "to": transition.to, "transition": transition.id,
                 "step": transition.label.model_dump(exclude_none=True)})
    actions = [(ACTIONS[spec.type], spec) for spec in transition.actions]
    for action, spec in actions:
        action.check(step, spec)
    move_to(case, transition.to, step.today)
    start_clock(case, definition.processing_days)
    if step.message:
        kind = next((action.message_kind for action, _ in actions if action.message_kind), "message")
        note = CaseMessage(case_id=case.id, author="clerk", kind=kind, body=step.message)
        db.session.add(note)
        db.session.flush()
        step.details["message"] = note.id
    for action, spec in actions:
        action.apply(step, spec)
    record(actor.label, "case.transition", "case", case.id, **step.details)
    publish_case_event(case, STATUS_CHANGED, previous_status=step.details["from"])
    return transition


def render_letter(
    version: ProcessVersion, definition: ProcessDefinition, template: str, case: Case, actor: Actor, text: str
) -> str:
    """The letter as HTML, from the templates stored with the case's definition version."""
    env = SandboxedEnvironment(loader=DictLoader(version.definition.get("templates", {})), autoescape=True)
    env.filters["dative"] = with_dative_article
    tenant = current_tenant()
    contact = tenant.contact
    overrides = town_overrides(case.process_slug)
    address = next((v for v in case.answers.values() if isinstance(v, dict) and "postal_code" in v), {})

    def lines(refundable: bool) -> list[dict[str, str]]:
        return [{"label": localized(line.get("label"), LETTER_LOCALE),
                 "amount": format_cents(int(line.get("cents", 0)), LETTER_LOCALE)}
                for line in case.fees if bool(line.get("refundable")) == refundable]

    deposits_cents = sum(int(line.get("cents", 0)) for line in case.fees if line.get("refundable"))
    return env.get_template(f"letters/{template}.html").render(
        case={"reference": case.reference, "submitted_at": format_date(case.submitted_at, LETTER_LOCALE),
              "applicant_name": case.applicant_name, "applicant_address": address},
        tenant={"name": tenant.official_name, "authority": contact.get("authority", tenant.official_name),
                "address": contact, "phone": contact.get("phone", ""), "email": contact.get("email", ""),
                "website": contact.get("website", ""), "logo": logo_data_uri(tenant)},
        process={"title": definition.title.de},
        clerk={"name": actor.label, "email": actor.email or contact.get("email", ""),
               "department": overrides.get("department", ""),
               "phone": overrides.get("contact", "") or contact.get("phone", "")},
        today=format_date(today_in_germany(), LETTER_LOCALE),
        decision_text=text.strip(),
        fees=lines(refundable=False),
        fees_total=format_cents(case.fee_cents, LETTER_LOCALE),
        deposits=lines(refundable=True),
        deposits_total=format_cents(deposits_cents, LETTER_LOCALE),
    )
