"""Drafts of online applications: the portal's answers between its steps, around the submission core
(:func:`amtsweg.cases.services.submit`). Each public function is one transaction.

A draft is found by the hash of a random token kept in the citizen's session (or mailed as a
resume link); it keeps the process version it was filled in for. When the town's version changes,
the draft is moved onto the new one with the next step the citizen sends, and every step has to be
checked again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete

from amtsweg.audit.services import record
from amtsweg.cases.assessment import Assessment
from amtsweg.cases.models import Draft
from amtsweg.cases.queries import documents_of_draft
from amtsweg.cases.services import CITIZEN, Identification, Submission, submit
from amtsweg.clock import utcnow
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError
from amtsweg.extensions import db
from amtsweg.formatting import format_date
from amtsweg.notifications.services import queue_mail
from amtsweg.processes.queries import EnabledProcess
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.links import external_url
from amtsweg.tokens import hash_token, new_token


class DefinitionChanged(DomainError):
    """The process was changed since the draft was started; the citizen must check the answers."""


def _expiry() -> datetime:
    return utcnow() + timedelta(days=current_app.config["DRAFT_EXPIRY_DAYS"])


def is_current(draft: Draft, offered: EnabledProcess) -> bool:
    """Whether the draft was filled in for the town's current version of the process."""
    return draft.process_version_id == offered.version.id


def progress(draft: Draft, offered: EnabledProcess) -> int:
    """How many steps count as done: none once the process has changed since they were checked."""
    return draft.completed_steps if is_current(draft, offered) else 0


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


def save_step(
    draft: Draft, offered: EnabledProcess, answers: dict[str, Any], completed_steps: int,
    discarded: dict[str, Any] | None = None,
) -> None:
    """Store what one sent step holds, in one transaction: the answers (with the entries of the
    step's uploads, which the caller stored for the draft), the progress, the removal of the file
    entry ``discarded`` (already taken out of ``answers``), and the move onto the town's current
    version. Every change extends the draft's lifetime."""
    removed_key = None
    document_id = (discarded or {}).get("document")
    if isinstance(document_id, int):
        document = db.session.get(Document, document_id)
        if document is not None and document.draft_id == draft.id:
            removed_key = document.storage_key
            db.session.delete(document)
    draft.answers = answers
    draft.completed_steps = completed_steps
    draft.process_version_id = offered.version.id
    draft.expires_at = _expiry()
    db.session.commit()
    if removed_key:
        get_storage().delete(removed_key)


def send_resume_link(draft: Draft, offered: EnabledProcess, token: str, email: str, locale: str) -> None:
    """Mail the link that continues the draft (``token`` is the draft's, never stored)."""
    title = offered.definition.title.en if locale == "en" else offered.definition.title.de
    queue_mail(
        to=email,
        template="entwurf_fortsetzen",
        context={"process_title": title,
                 "resume_url": external_url(current_tenant(), "application.resume", slug=draft.process_slug,
                                            token=token),
                 "expires_on": format_date(draft.expires_at, locale)},
        locale=locale,
    )
    record(CITIZEN, "draft.resume_link_sent", "draft", draft.id)
    db.session.commit()


def delete_expired_drafts(now: datetime | None = None) -> int:
    """Delete the current town's expired drafts; their uploads become unlinked and are cleaned up."""
    expired = delete(Draft).where(Draft.expires_at < (now or utcnow()))
    result = cast(CursorResult[Any], db.session.execute(expired))
    db.session.commit()
    return result.rowcount or 0


def submit_draft(
    draft: Draft, assessment: Assessment, locale: str, citizen_account_id: int | None = None,
    identification: Identification | None = None,
) -> Submission:
    """Submit the draft's assessed answers (with its uploads) as a case and delete the draft in the
    same transaction. Its submission key makes the review form idempotent."""
    if not is_current(draft, assessment.offered):
        raise DefinitionChanged(draft.process_slug)
    documents: Sequence[Document] = documents_of_draft(draft)
    return submit(assessment, documents, idempotency_key=draft.submission_key, locale=locale,
                  citizen_account_id=citizen_account_id, identification=identification,
                  within=lambda: db.session.delete(draft))
