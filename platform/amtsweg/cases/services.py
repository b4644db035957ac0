"""State changes of drafts and cases; each public function is one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from amtsweg.audit.services import record
from amtsweg.cases.deadlines import initial_due_date
from amtsweg.cases.models import WITHDRAWABLE, WITHDRAWN, Case, CaseAccessToken, CaseMessage, Draft
from amtsweg.cases.payment import settle_on_submission
from amtsweg.cases.queries import case_by_idempotency_key, documents_of_draft
from amtsweg.cases.references import next_reference
from amtsweg.cases.tokens import issue_case_token
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError, NotAllowed
from amtsweg.extensions import db
from amtsweg.formatting import format_cents
from amtsweg.forms.validation import validate_answers
from amtsweg.notifications.services import queue_mail
from amtsweg.processes.conditions import prune_hidden
from amtsweg.processes.fees import FeeError, compute_fees
from amtsweg.processes.queries import EnabledProcess
from amtsweg.processes.schema import EmailField, ProcessDefinition
from amtsweg.tokens import hash_token, new_token

CITIZEN = "citizen"


class DefinitionChanged(DomainError):
    """The process was changed since the draft was started; the citizen must check the answers."""


class AnswersIncomplete(DomainError):
    """The answers cannot be submitted; ``errors`` maps field paths to German messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def _expiry() -> datetime:
    return datetime.now(UTC) + timedelta(days=current_app.config["DRAFT_EXPIRY_DAYS"])


# --------------------------------------------------------------------------- drafts


def start_draft(offered: EnabledProcess, answers: dict[str, Any] | None = None) -> tuple[Draft, str]:
    """A new draft, empty or with prefilled ``answers`` (from a citizen account); returns it with
    the token that opens it (only its hash is stored)."""
    token = new_token()
    draft = Draft(
        token_hash=hash_token(token),
        process_slug=offered.process.slug,
        process_version_id=offered.version.id,
        answers=answers or {},
        completed_steps=0,
        submission_key=new_token(),
        expires_at=_expiry(),
    )
    db.session.add(draft)
    db.session.commit()
    return draft, token


def save_answers(draft: Draft, answers: dict[str, Any], completed_steps: int | None = None) -> None:
    """Store the draft's answers (and progress); every change extends its lifetime."""
    draft.answers = answers
    if completed_steps is not None:
        draft.completed_steps = completed_steps
    draft.expires_at = _expiry()
    db.session.commit()


def rebase_draft(draft: Draft, offered: EnabledProcess) -> None:
    """Move a draft onto the process's current version; every step has to be checked again."""
    draft.process_version_id = offered.version.id
    draft.completed_steps = 0
    draft.expires_at = _expiry()
    db.session.commit()


def add_uploads(draft: Draft, answers: dict[str, Any], documents: Iterable[Document]) -> None:
    """Keep new uploads (stored by the caller) with the draft, whatever else the step holds."""
    for document in documents:
        document.draft_id = draft.id
    draft.answers = answers
    db.session.commit()


def discard_document(draft: Draft, entry: dict[str, Any], answers: dict[str, Any]) -> None:
    """Remove an uploaded file from a draft (its entry already taken out of ``answers``)."""
    document = db.session.get(Document, entry.get("document")) if isinstance(entry.get("document"), int) else None
    key = None
    if document is not None and document.draft_id == draft.id:
        key = document.storage_key
        db.session.delete(document)
    draft.answers = answers
    db.session.commit()
    if key:
        get_storage().delete(key)


def send_resume_link(draft: Draft, email: str, resume_url: str, process_title: str, locale: str) -> None:
    """Mail the link that continues the draft (the token is in ``resume_url``, never stored)."""
    queue_mail(
        to=email,
        template="entwurf_fortsetzen",
        context={"process_title": process_title, "resume_url": resume_url,
                 "expires_on": f"{draft.expires_at:%d.%m.%Y}"},
        locale=locale,
    )
    record(CITIZEN, "draft.resume_link_sent", "draft", draft.id)
    db.session.commit()


def delete_expired_drafts(now: datetime | None = None) -> int:
    """Delete the current town's expired drafts; their uploads become unlinked and are cleaned up."""
    expired = delete(Draft).where(Draft.expires_at < (now or datetime.now(UTC)))
    result = cast(CursorResult[Any], db.session.execute(expired))
    db.session.commit()
    return result.rowcount or 0


# --------------------------------------------------------------------------- submission


@dataclass(frozen=True)
class Submission:
    case: Case
    # The status link's token; None when the form had already been submitted (double submission).
    status_token: str | None


def _applicant(definition: ProcessDefinition, answers: dict[str, Any]) -> tuple[str, str]:
    names = {"given-name": "", "family-name": "", "name": "", "organization": ""}
    email = ""
    if definition.form is not None:
        for fld in definition.form.top_fields():
            value = answers.get(fld.id)
            if not isinstance(value, str):
                continue
            autocomplete = getattr(fld, "autocomplete", None)
            if autocomplete in names and not names[autocomplete]:
                names[autocomplete] = value.strip()
            if isinstance(fld, EmailField) and not email:
                email = value.strip()
    full = " ".join(part for part in (names["given-name"], names["family-name"]) if part)
    return (full or names["name"] or names["organization"])[:200], email[:254]


def _file_entries(value: Any) -> Iterable[dict[str, Any]]:
    """Every uploaded file's entry (``{"document": id, ...}``) anywhere in the answers."""
    if isinstance(value, dict):
        if isinstance(value.get("document"), int):
            yield value
            return
        for sub in value.values():
            yield from _file_entries(sub)
    elif isinstance(value, list):
        for item in value:
            yield from _file_entries(item)


def submit_draft(
    draft: Draft, offered: EnabledProcess, submission_key: str, locale: str, status_url_for: Any,
    *, channel: str = "online", actor: str = CITIZEN, citizen_account_id: int | None = None,
) -> Submission:
    """Turn a complete draft into a case — in one transaction with its reference number, linked
    documents, audit event and confirmation mail. Submitting the same review form twice (double
    click, reload) returns the first case. ``status_url_for(token)`` builds the status link.
    ``channel`` and ``actor`` differ when a clerk records an application received by phone, post
    or in person. ``citizen_account_id`` links the case to the logged-in citizen's account."""
    if draft.process_version_id != offered.version.id:
        raise DefinitionChanged(draft.process_slug)
    errors = validate_answers(offered.definition, draft.answers)
    if errors:
        raise AnswersIncomplete(errors)
    token = new_token()
    try:
        case, unused_keys = _create_case(draft, offered, submission_key, locale, token, status_url_for(token),
                                         channel, actor, citizen_account_id)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # A parallel submission of the same form won (unique idempotency key, draft already
        # deleted); its case is the answer and this transaction's reference number is given back.
        db.session.rollback()
        existing = case_by_idempotency_key(submission_key)
        if existing is None:
            raise
        return Submission(existing, None)
    storage = get_storage()
    for key in unused_keys:
        storage.delete(key)
    return Submission(case, token)


def _create_case(
    draft: Draft, offered: EnabledProcess, submission_key: str, locale: str, token: str, status_url: str,
    channel: str = "online", actor: str = CITIZEN, citizen_account_id: int | None = None,
) -> tuple[Case, list[str]]:
    """The writes of a submission (not committed); returns the case and the storage keys of
    uploads the answers no longer use, to delete once the transaction has committed."""
    definition = offered.definition
    answers = prune_hidden(definition.form, draft.answers) if definition.form else {}
    try:
        fees, fee_problem = compute_fees(definition, answers, offered.fee_overrides), ""
    except FeeError as exc:
        # A fee rule of the definition failed on these answers: the application must not be lost
        # for it; the office sets the fee and the problem is on record.
        fees, fee_problem = [], str(exc)
    name, email = _applicant(definition, answers)
    case = Case(
        reference=next_reference(),
        process_version_id=offered.version.id,
        process_slug=offered.process.slug,
        channel=channel,
        answers=answers,
        applicant_name=name,
        applicant_email=email,
        locale=locale,
        idempotency_key=submission_key,
        citizen_account_id=citizen_account_id,
    )
    settle_on_submission(case, fees)
    db.session.add(case)
    db.session.flush()
    issue_case_token(case.id, "submission", token)
    case.due_date = initial_due_date(case.submitted_at, offered.processing_days)
    kept = {entry["document"] for entry in _file_entries(answers)}
    unused_keys = []
    for document in documents_of_draft(draft):
        document.draft_id = None
        if document.id in kept:
            document.case_id = case.id
        else:
            unused_keys.append(document.storage_key)
            db.session.delete(document)
    record(actor, "case.submitted", "case", case.id, reference=case.reference, channel=channel,
           process=offered.process.slug, version=offered.version.version, fee_problem=fee_problem)
    if email:
        queue_mail(
            to=email,
            template="eingangsbestaetigung",
            context={
                "reference": case.reference,
                "process_title": definition.title.en if locale == "en" else definition.title.de,
                "status_url": status_url,
                "submitted_on": f"{case.submitted_at:%d.%m.%Y}",
                "fee": format_cents(case.fee_cents) if case.fee_cents else "",
            },
            locale=locale,
            dedupe_key=f"eingang-{case.reference}",
        )
    db.session.delete(draft)
    return case, unused_keys


# --------------------------------------------------------------------------- citizen actions on a case


def account_status_token(case: Case) -> str:
    """A fresh status-link token for the citizen account's own view of the case. The previous
    account token is revoked, so opening a case repeatedly does not pile up valid links."""
    now = datetime.now(UTC)
    for previous in db.session.scalars(select(CaseAccessToken).where(
        CaseAccessToken.case_id == case.id, CaseAccessToken.purpose == "account", CaseAccessToken.revoked_at.is_(None),
    )):
        previous.revoked_at = now
    token = issue_case_token(case.id, "account")
    db.session.commit()
    return token


def withdraw(case: Case) -> None:
    """The citizen withdraws the application."""
    if case.status not in WITHDRAWABLE:
        raise NotAllowed(case.status)
    previous = case.status
    case.status = WITHDRAWN
    record(CITIZEN, "case.withdrawn", "case", case.id, previous_status=previous)
    db.session.commit()


def reply(case: Case, body: str, documents: Iterable[Document] = ()) -> CaseMessage:
    """The citizen's answer to the open information request (message and further documents)."""
    if case.status in (WITHDRAWN, "closed", "archived"):
        raise NotAllowed(case.status)
    now = datetime.now(UTC)
    request = db.session.scalar(
        select(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.kind == "information_request",
                                  CaseMessage.answered_at.is_(None))
    )
    if request is not None:
        request.answered_at = now
    message = CaseMessage(case_id=case.id, author=CITIZEN, kind="reply", body=body)
    db.session.add(message)
    names = []
    for document in documents:
        document.case_id = case.id
        names.append(document.filename)
    db.session.flush()
    record(CITIZEN, "case.citizen_replied", "case", case.id, message=message.id, documents=names)
    db.session.commit()
    return message
