"""The workflow engine: which transitions a definition allows in a state for a clerk's roles.

Every transition is checked here on the server against the case's own definition version and the
acting account's roles; the pages only show what this module allows.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import DictLoader
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select

from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.cases.deadlines import add_working_days, initial_due_date, working_days_between
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.cases.tokens import issue_case_token, status_url
from amtsweg.clock import today_in_germany, utcnow
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.errors import NotAllowed
from amtsweg.extensions import db
from amtsweg.formatting import format_cents
from amtsweg.notifications.services import queue_mail
from amtsweg.processes.loader import from_storable
from amtsweg.processes.models import ProcessVersion
from amtsweg.processes.schema import ProcessDefinition, TemplateAction, Transition
from amtsweg.tenancy import current_tenant

# Statuses in which the processing clock does not run.
PAUSED_STATUSES = frozenset({"waiting_for_citizen", "awaiting_payment"})
# Actions whose template is a mail to the citizen (create_letter's is a letter).
CITIZEN_MAIL_ACTIONS = frozenset({"notify_citizen", "request_documents"})
# Statuses after which a case no longer appears as work to do.
FINISHED_STATUSES = frozenset({"approved", "rejected", "closed", "archived", "withdrawn", "deleted"})


class IllegalTransition(NotAllowed):
    """The transition is not defined for the case's state or not allowed for the account's roles."""


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
    raise IllegalTransition(transition_id)


@dataclass(frozen=True)
class Actor:
    """Who performs a transition: the label for the audit log, and the roles checked."""

    label: str
    roles: tuple[str, ...]


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


def _last_pause_start(case: Case) -> date | None:
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id),
               AuditEvent.action == "case.transition")
        .order_by(AuditEvent.id.desc())
    )
    if event is None or event.details.get("to") not in PAUSED_STATUSES:
        return None
    return event.occurred_at.date()


def perform(case: Case, transition_id: str, actor: Actor, message: str = "", today: date | None = None) -> Transition:
    """Apply one transition in one transaction: status, deadline, message, letters and audit event.

    Raises :class:`IllegalTransition` (nothing changed) when the case's definition does not allow it
    from the current status for the actor's roles, or when a request for information has no text.
    """
    version, definition = definition_of(case)
    transition = transition_for(definition, case.status, actor.roles, transition_id)
    action_types = {action.type for action in transition.actions}
    if "request_documents" in action_types and not message.strip():
        raise IllegalTransition("an information request needs a text for the citizen")
    today = today or today_in_germany()
    previous = case.status
    if previous in PAUSED_STATUSES and transition.to not in PAUSED_STATUSES and case.due_date is not None:
        paused_since = _last_pause_start(case)
        if paused_since is not None:
            case.due_date = add_working_days(case.due_date, working_days_between(paused_since, today))
    start_clock(case, definition.processing_days)
    case.status = transition.to
    if transition.to == "closed":
        # The retention period runs from here (archive.services).
        case.closed_at = utcnow()
    details: dict[str, Any] = {"from": previous, "to": transition.to, "transition": transition.id}
    if message.strip():
        kind = "information_request" if "request_documents" in action_types else "message"
        note = CaseMessage(case_id=case.id, author="clerk", kind=kind, body=message.strip())
        db.session.add(note)
        db.session.flush()
        details["message"] = note.id
    letters = [
        _store_letter(case, version, definition, action.template, actor, message)
        for action in transition.actions
        if action.type == "create_letter"
    ]
    if letters:
        db.session.flush()
        details["letters"] = [doc.id for doc in letters]
    event = record(actor.label, "case.transition", "case", case.id, **details)
    mail_templates = [action.template for action in transition.actions
                      if action.type in CITIZEN_MAIL_ACTIONS and isinstance(action, TemplateAction)]
    if mail_templates and case.applicant_email:
        db.session.flush()  # the event's id keeps a redelivered request from mailing twice
        for template in mail_templates:
            _queue_citizen_mail(case, version, definition, template, actor, message, f"workflow-{event.id}-{template}")
    db.session.commit()
    return transition


def _queue_citizen_mail(
    case: Case, version: ProcessVersion, definition: ProcessDefinition, template: str, actor: Actor, text: str,
    dedupe_key: str,
) -> None:
    """The citizen's mail of a workflow action, from the mail templates of the case's process version."""
    sources = {name.removeprefix("mails/"): source
               for name, source in version.definition.get("templates", {}).items() if name.startswith("mails/")}
    title = definition.title.en if case.locale == "en" else definition.title.de
    tenant = current_tenant()
    # Tokens are stored only hashed, so an earlier link cannot be repeated: each mail carries a
    # fresh one, and every link the citizen ever received keeps working.
    link = status_url(issue_case_token(case.id, "mail"))
    queue_mail(
        to=case.applicant_email,
        template=template,
        context={
            "case": {"reference": case.reference, "applicant_name": case.applicant_name,
                     "submitted_at": f"{case.submitted_at:%d.%m.%Y}", "status_url": link},
            "process": {"title": title},
            "decision_text": text.strip(),
            "clerk": {"name": actor.label, "phone": ""},
            "tenant": {"name": tenant.official_name},
        },
        locale=case.locale,
        dedupe_key=dedupe_key,
        template_sources=sources,
    )


def render_letter(
    version: ProcessVersion, definition: ProcessDefinition, template: str, case: Case, actor: Actor, text: str
) -> str:
    """The letter as HTML, from the templates stored with the case's definition version."""
    env = SandboxedEnvironment(loader=DictLoader(version.definition.get("templates", {})), autoescape=True)
    tenant = current_tenant()
    contact = tenant.contact
    address = next((v for v in case.answers.values() if isinstance(v, dict) and "postal_code" in v), {})
    fees = [{"label": line.get("label", ""), "amount": format_cents(line.get("cents", 0))} for line in case.fees]
    return env.get_template(f"letters/{template}.html").render(
        case={"reference": case.reference, "submitted_at": f"{case.submitted_at:%d.%m.%Y}",
              "applicant_name": case.applicant_name, "applicant_address": address},
        tenant={"name": tenant.official_name, "authority": contact.get("authority", tenant.official_name),
                "address": contact},
        process={"title": definition.title.de},
        clerk={"name": actor.label},
        today=f"{date.today():%d.%m.%Y}",
        decision_text=text.strip(),
        fees=fees,
        fees_total=format_cents(case.fee_cents),
    )


def _store_letter(
    case: Case, version: ProcessVersion, definition: ProcessDefinition, template: str, actor: Actor, text: str
) -> Document:
    from weasyprint import HTML  # imported on use: loading WeasyPrint takes a moment

    pdf = HTML(string=render_letter(version, definition, template, case, actor, text)).write_pdf()
    storage = get_storage()
    staged = storage.staging_dir() / f"{uuid.uuid4().hex}.pdf"
    staged.write_bytes(pdf)
    now = utcnow()
    key = f"{current_tenant().slug}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"
    storage.put(key, staged)
    document = Document(
        storage_key=key, filename=f"{template}-{case.reference}.pdf", content_type="application/pdf",
        size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(), case_id=case.id, source="system",
    )
    db.session.add(document)
    return document
