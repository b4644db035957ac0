"""State changes of cases; each public function is one transaction.

:func:`submit` is the one way an application becomes a case, whatever it came through: the
citizen's online form (around a draft, see :mod:`amtsweg.cases.drafts`), a clerk's intake of a
phone, post or counter application, and later the API and FIT-Connect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.cases import events
from amtsweg.cases.assessment import Assessment, applicant_of
from amtsweg.cases.deadlines import initial_due_date, start_of_local_day
from amtsweg.cases.events import publish_case_event
from amtsweg.cases.models import WITHDRAWABLE, WITHDRAWN, Case, CaseMessage
from amtsweg.cases.payment import settle_on_submission
from amtsweg.cases.queries import case_by_idempotency_key
from amtsweg.cases.receipts import schedule_receipt
from amtsweg.cases.references import next_reference
from amtsweg.cases.states import CITIZEN
from amtsweg.cases.tokens import issue_case_token, status_url
from amtsweg.cases.workflow import definition_of, move_to
from amtsweg.clock import today_in_germany, utcnow
from amtsweg.documents.models import Document, Vorgang
from amtsweg.documents.records import FilingError, file_case
from amtsweg.documents.services import UploadRejected, store_upload
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError, NotAllowed
from amtsweg.extensions import db
from amtsweg.formatting import format_cents, format_date
from amtsweg.notifications.services import queue_mail
from amtsweg.processes.schema import ProcessDefinition
from amtsweg.tokens import new_token

log = logging.getLogger(__name__)
ONLINE = "online"
# What a citizen may attach to a reply on the status page.
REPLY_FILE_TYPES = ("pdf", "jpeg", "png")
REPLY_MAX_BYTES = 10 * 1024 * 1024
# Why a citizen's withdrawal or reply is refused: the case is past the point where they can act.
TOO_LATE_FOR_CITIZEN = lazy_gettext("Das ist im aktuellen Stand Ihres Antrags nicht mehr möglich.")


class AnswersIncomplete(DomainError):
    """The answers cannot be submitted; ``errors`` maps field paths to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


# --------------------------------------------------------------------------- submission


@dataclass(frozen=True)
class Identification:
    """How well the applicant's login identified them: trust level (1, 3, 4) and identity source key,
    and which answers came from it (marks of amtsweg.forms.prefill by field id)."""

    level: int
    source: str
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Submission:
    case: Case
    # The status link's token; None when the form had already been submitted (double submission).
    status_token: str | None


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


def submit(
    assessment: Assessment, documents: Sequence[Document], *, idempotency_key: str, locale: str,
    channel: str = ONLINE, actor: str = CITIZEN, citizen_account_id: int | None = None,
    identification: Identification | None = None, within: Callable[[], None] | None = None,
) -> Submission:
    """Turn assessed answers into a case — in one transaction with its reference number, fees,
    documents, its Vorgang in the town's Aktenplan, status link, audit event and confirmation mail.

    ``documents`` are the stored uploads the answers may refer to: those the answers use are filed
    with the case, the others deleted. ``channel`` and ``actor`` say how the application came in
    and who recorded it (a clerk for phone, post or counter); ``identification`` how well the
    applicant's login identified them (kept with the case for the clerk). Submitting the same
    ``idempotency_key`` twice (double click, reload) returns the first case with no token.
    ``within`` runs inside the transaction (the portal deletes its draft there). Raises
    :class:`AnswersIncomplete` (nothing stored) when the assessment found errors.
    """
    if assessment.errors:
        raise AnswersIncomplete(assessment.errors)
    keys = [document.storage_key for document in documents]
    token = new_token()
    try:
        case, unused_keys = _create_case(assessment, documents, idempotency_key, locale, token, channel, actor,
                                         citizen_account_id, identification)
        if within is not None:
            within()
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # A parallel submission of the same form won (unique idempotency key, draft already
        # deleted); its case is the answer and this transaction's reference number is given back.
        db.session.rollback()
        _delete_unfiled(keys)
        existing = case_by_idempotency_key(idempotency_key)
        if existing is None:
            raise
        return Submission(existing, None)
    except BaseException:
        db.session.rollback()
        _delete_unfiled(keys)
        raise
    storage = get_storage()
    for key in unused_keys:
        storage.delete(key)
    return Submission(case, token)


def _delete_unfiled(keys: list[str]) -> None:
    """After a rollback: delete the contents of uploads whose rows did not survive it (uploads of
    this request); uploads kept by an earlier transaction, e.g. a draft's, stay."""
    if not keys:
        return
    kept = set(db.session.scalars(select(Document.storage_key).where(Document.storage_key.in_(keys))))
    db.session.rollback()
    storage = get_storage()
    for key in set(keys) - kept:
        storage.delete(key)


def _create_case(
    assessment: Assessment, documents: Sequence[Document], idempotency_key: str, locale: str, token: str,
    channel: str, actor: str, citizen_account_id: int | None, identification: Identification | None,
) -> tuple[Case, list[str]]:
    """The writes of a submission (not committed); returns the case and the storage keys of
    uploads the answers do not use, to delete once the transaction has committed."""
    offered, answers = assessment.offered, assessment.answers
    definition = offered.definition
    name, email = applicant_of(definition, answers)
    case = Case(
        reference=next_reference(),
        process_version_id=offered.version.id,
        process_slug=offered.process.slug,
        channel=channel,
        answers=answers,
        applicant_name=name,
        applicant_email=email,
        locale=locale,
        idempotency_key=idempotency_key,
        citizen_account_id=citizen_account_id,
        identity_level=identification.level if identification else None,
        identity_source=identification.source if identification else None,
        identity_answers=identification.answers or None if identification else None,
    )
    settle_on_submission(case, assessment.fees, offered.payment_policy)
    db.session.add(case)
    db.session.flush()
    issue_case_token(case.id, "submission", token)
    case.due_date = initial_due_date(case.submitted_at, offered.processing_days)
    kept = {entry["document"] for entry in _file_entries(answers)}
    unused_keys = []
    for document in documents:
        document.draft_id = None
        if document.id in kept:
            document.case_id = case.id
        else:
            unused_keys.append(document.storage_key)
            db.session.delete(document)
    vorgang = _file(case, definition)
    schedule_receipt(case)
    record(actor, "case.submitted", "case", case.id, reference=case.reference, channel=channel,
           process=offered.process.slug, version=offered.version.version, fee_problem=assessment.fee_problem,
           **({"aktenzeichen": vorgang.aktenzeichen} if vorgang else {}))
    publish_case_event(case, events.SUBMITTED, channel=channel)
    if email:
        queue_mail(
            to=email,
            template="eingangsbestaetigung",
            context={
                "reference": case.reference,
                "process_title": definition.title.en if locale == "en" else definition.title.de,
                "status_url": status_url(token),
                "submitted_on": format_date(case.submitted_at, locale),
                "fee": format_cents(case.fee_cents, locale) if case.fee_cents else "",
            },
            locale=locale,
            dedupe_key=f"eingang-{case.reference}",
            case_id=case.id,
        )
    return case, unused_keys


def _file(case: Case, definition: ProcessDefinition) -> Vorgang | None:
    """File the case as a Vorgang of its Akte; its documents are the Vorgang's by their case."""
    try:
        return file_case(case, definition)
    except FilingError:
        # The town's Aktenplan cannot file the process (tenants and processes sync refuse that, so
        # this is a configuration changed by hand): the application is not refused for it; the case
        # is filed when it is archived, once the plan is fixed.
        log.exception("case %s could not be filed at submission", case.reference)
        return None


# --------------------------------------------------------------------------- citizen actions on a case


def note_access(case: Case, actor: str, action: str, **details: Any) -> None:
    """Log that staff read the case or one of its files (``case.viewed``, ``akte.viewed``,
    ``document.viewed``, ``document.downloaded``, …). The access log of personal data is the one write
    a staff member's GET request makes; it changes nothing of the case. Each access is logged once
    per person, case, action and object (the same ``details``) and day, so that the log says who read
    what and when without growing with every reload."""
    if _noted_today(case, actor, action, details):
        return
    record(actor, action, "case", case.id, **details)
    db.session.commit()


def _noted_today(case: Case, actor: str, action: str, details: dict[str, Any]) -> bool:
    # Today's rows of this person and action on the case: one per object they opened, so few.
    noted = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id), AuditEvent.action == action,
        AuditEvent.actor == actor, AuditEvent.occurred_at >= start_of_local_day(today_in_germany()),
    ))
    return any(seen == details for seen in noted)


def withdraw(case: Case) -> None:
    """The citizen withdraws the application; they get a confirmation mail with a status link."""
    if case.status not in WITHDRAWABLE:
        raise NotAllowed(TOO_LATE_FOR_CITIZEN)
    previous, today = case.status, today_in_germany()
    move_to(case, WITHDRAWN, today)
    record(CITIZEN, "case.withdrawn", "case", case.id, previous_status=previous)
    publish_case_event(case, events.STATUS_CHANGED, previous_status=previous)
    if case.applicant_email:
        definition = definition_of(case)[1]
        queue_mail(
            to=case.applicant_email,
            template="antrag_zurueckgezogen",
            context={
                "reference": case.reference,
                "process_title": definition.title.en if case.locale == "en" else definition.title.de,
                "status_url": status_url(issue_case_token(case.id, "mail")),
                "withdrawn_on": format_date(today, case.locale),
            },
            locale=case.locale,
            dedupe_key=f"zurueckgezogen-{case.reference}",
            case_id=case.id,
        )
    db.session.commit()


def reply(case: Case, body: str, uploads: Sequence[tuple[IO[bytes], str]] = ()) -> CaseMessage:
    """The citizen's answer to the open information request: a message and further documents
    (``uploads`` as stream and file name). A refused file (:class:`UploadRejected`) stores nothing."""
    if case.status in (WITHDRAWN, "closed", "archived"):
        raise NotAllowed(TOO_LATE_FOR_CITIZEN)
    documents: list[Document] = []
    try:
        for stream, filename in uploads:
            documents.append(store_upload(stream, filename, accept=REPLY_FILE_TYPES, max_bytes=REPLY_MAX_BYTES,
                                          case_id=case.id))
    except UploadRejected:
        keys = [document.storage_key for document in documents]
        db.session.rollback()
        _delete_unfiled(keys)
        raise
    now = utcnow()
    request = db.session.scalar(
        select(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.kind == "information_request",
                                  CaseMessage.answered_at.is_(None))
    )
    if request is not None:
        request.answered_at = now
    message = CaseMessage(case_id=case.id, author=CITIZEN, kind="reply", body=body)
    db.session.add(message)
    names = [document.filename for document in documents]
    db.session.flush()
    record(CITIZEN, "case.citizen_replied", "case", case.id, message=message.id, documents=names)
    publish_case_event(case, events.MESSAGE_RECEIVED, message=message.id)
    db.session.commit()
    return message
