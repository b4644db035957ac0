"""The receipt (Eingangsbestätigung) of a case as PDF: filed in the case's Vorgang after the case is
submitted, and downloaded from there by the citizen (status page) and by the clerk who took an
application in by phone, post or in person.

Rendering takes longer than the rest of a submission, so the submission only marks the receipt due
(:func:`schedule_receipt`, in its transaction) and a job files it after the commit
(:func:`file_due_receipt`, retried by RQ; :func:`sweep_due_receipts` finds a job that was lost).
Until it is filed, a download renders the same receipt on demand without filing it. The receipt
confirms what was submitted: the answers, the fee and the uploads of the application, not the
attachments of later replies, however late the job runs.

It is rendered from the town's own data and its configured external address (as mails are), never
from the request, so that it is the same whether the portal, the intake, the API or a job submits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import CursorResult, select, update

from amtsweg.cases.models import Case
from amtsweg.cases.queries import citizen_documents_of_case
from amtsweg.cases.workflow import definition_of
from amtsweg.documents.models import Document
from amtsweg.documents.services import file_generated
from amtsweg.documents.storage import ObjectMissing, get_storage
from amtsweg.extensions import db
from amtsweg.forms.display import answer_sections
from amtsweg.jobs import enqueue
from amtsweg.pdf import render_pdf
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.assets import logo_data_uri
from amtsweg.tenancy.context import all_tenants_context
from amtsweg.tenancy.links import external_url

KIND = "eingangsbestaetigung"
# A due receipt's job has had this long (RQ's own retries included) before the sweep enqueues it again.
SWEEP_GRACE = timedelta(minutes=10)


def receipt_filename(case: Case) -> str:
    """The file name under which the receipt is filed and downloaded."""
    return f"Eingangsbestaetigung-{case.reference}.pdf"


def receipt_pdf(case: Case) -> bytes:
    """The receipt in the case's language, listing the answers, the citizen's uploads and the fee."""
    _, definition = definition_of(case)
    tenant = current_tenant()
    with force_locale(case.locale):
        html = render_template(
            "cases/receipt.html", case=case, definition=definition, tenant=tenant, logo=logo_data_uri(tenant),
            town_url=external_url(tenant, "portal.index"),
            sections=answer_sections(definition, case.answers, case.locale),
            documents=citizen_documents_of_case(case, ("citizen",), created_until=case.submitted_at),
        )
    return render_pdf(html)


def schedule_receipt(case: Case) -> None:
    """Mark the receipt of the newly submitted ``case`` (flushed) due, in the caller's transaction,
    and file it by a job once that transaction has committed."""
    case.receipt_due = True
    _enqueue_filing(current_tenant().id, case.id)


def _enqueue_filing(tenant_id: int, case_id: int) -> None:
    enqueue(file_due_receipt, case_id, tenant_id=tenant_id, job_id=f"receipt-{tenant_id}-{case_id}",
            queue="documents")


def file_due_receipt(case_id: int) -> bool:
    """The job: render the receipt of the current town's case ``case_id`` and file it in its Vorgang
    (one transaction). Returns whether this run filed it. Safe to run any number of times, also at
    once: the run that clears ``receipt_due`` files it (the update holds the case's row until the
    commit); a failure rolls back and leaves it due for the retry."""
    claimed = cast(CursorResult[Any], db.session.execute(
        update(Case).where(Case.id == case_id, Case.receipt_due.is_(True))
        # The case's own last change stays what it was: filing the receipt changes nothing of it.
        .values(receipt_due=False, updated_at=Case.updated_at)
        .execution_options(synchronize_session=False)
    )).rowcount
    if not claimed:
        db.session.rollback()
        return False
    case = db.session.get_one(Case, case_id)
    file_generated(receipt_pdf(case), receipt_filename(case), case_id=case.id, kind=KIND)
    db.session.commit()
    return True


def sweep_due_receipts(now: datetime) -> int:
    """Enqueue the filing of every town's receipt still due ``SWEEP_GRACE`` after its submission (a
    job lost with a worker or a Redis outage); returns how many. Dispatched after the read commits."""
    with all_tenants_context():
        due = db.session.execute(
            select(Case.tenant_id, Case.id).where(Case.receipt_due.is_(True), Case.submitted_at < now - SWEEP_GRACE)
        ).all()
        for tenant_id, case_id in due:
            _enqueue_filing(tenant_id, case_id)
        db.session.commit()
    return len(due)


def filed_receipt(case: Case) -> Document | None:
    """The receipt filed with the case (None for a case submitted before receipts were filed)."""
    return db.session.scalar(select(Document).where(Document.case_id == case.id, Document.kind == KIND)
                             .order_by(Document.id).limit(1))


def receipt_content(case: Case) -> bytes:
    """The receipt to download: the filed one (its current version) where there is one, else rendered
    now (not filed: a download writes nothing; the job files it)."""
    filed = filed_receipt(case)
    if filed is None:
        return receipt_pdf(case)
    try:
        with get_storage().open(filed.storage_key) as handle:
            return handle.read()
    except ObjectMissing:
        # Still waiting in the staging folder for the store (the sweep moves it): the same content anew.
        return receipt_pdf(case)
