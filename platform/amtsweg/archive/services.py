"""Retention of the current town's cases: closed → archived (zdA) → destroyed or offered to the archive.

A closed case is archived ``ARCHIVE_AFTER_DAYS`` after closing: its Vorgang is filed (if it was
not yet) and closed "zu den Akten" as of the case's closing date, which makes it read-only and,
where the store can, write-once. Its retention ends with the end of the year of closing plus the
years of its Vorgang (from the process definition or its Aktenplan unit). After that, unless it is
under legal hold:

- hint ``V`` (vernichten, agreed with the archive for the unit): the case is deleted;
- hint ``A`` or ``B``: the case is due for the archive. It is offered in the next Aussonderung
  (:mod:`amtsweg.archive.aussonderung`) and deleted only once the archive assessed it "V" or
  confirmed that it imported it (0506).

Deleting removes the case, its Vorgang, its documents (rows and stored contents, every version),
drafts, messages, notes, status links, mails and its audit trail; what remains is one audit event
``case.deleted`` with the reference and one :class:`DisposalRecord` with numbers only.

Each step of a case is one transaction and may run again; a case that is gone is simply no longer
found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select, update

from amtsweg.archive.models import AussonderungObject, DisposalRecord
from amtsweg.audit.models import AuditEvent
from amtsweg.audit.services import record
from amtsweg.cases.events import STATUS_CHANGED, publish_case_event
from amtsweg.cases.models import Case, CaseAccessToken, CaseMessage, CaseNote, Draft
from amtsweg.cases.workflow import definition_of
from amtsweg.clock import utcnow
from amtsweg.documents.models import Document, LegalHold, Vorgang
from amtsweg.documents.records import close, file_case, filing_rule, retention_end, vorgang_of_case
from amtsweg.documents.services import delete_document
from amtsweg.errors import DomainError
from amtsweg.extensions import db
from amtsweg.notifications.models import OutboxMessage

log = logging.getLogger(__name__)
ACTOR = "system:retention"
# Steps of a case, in the order they run.
ARCHIVE = "archive"
DELETE = "delete"


class UnderLegalHold(DomainError):
    """The Vorgang is under legal hold: it is not deleted, whatever its retention says."""


@dataclass(frozen=True)
class CaseSteps:
    reference: str
    steps: tuple[str, ...]


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do) in the current town; failures do not stop other cases."""

    done: list[CaseSteps] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Retention ended, waiting for the archive (offered in the next Aussonderung or already in one).
    for_archive: list[str] = field(default_factory=list)
    # Retention ended, kept because of a legal hold.
    held: list[str] = field(default_factory=list)


def archive_dir() -> Path:
    """The folder of the messages exchanged with the archive (one sub-folder per town)."""
    configured = current_app.config["ARCHIVE_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "archive"


def closed_at(case: Case) -> datetime:
    """When the case was closed (migration 0011 filled it in for cases closed before it was
    recorded); a row written around the services, e.g. by a bulk load, counts from its last change."""
    return case.closed_at or case.updated_at


def _disposal_of(case: Case, vorgang: Vorgang | None) -> tuple[date, str]:
    """The last day of retention and the archive hint — the Vorgang's once it is closed, before
    that as it will be filed."""
    if vorgang is not None and vorgang.retention_ends_on is not None:
        return vorgang.retention_ends_on, vorgang.archive_hint
    rule = filing_rule(case.process_slug, definition_of(case)[1])
    return retention_end(closed_at(case).date(), rule.retention_years), rule.archive_hint


def plan(case: Case, today: date, report: RetentionReport | None = None) -> tuple[str, ...]:
    """The steps due for ``case`` on ``today`` (none if it is not closed or archived). A case that
    waits for the archive or is held is noted in ``report``."""
    if case.status not in ("closed", "archived"):
        return ()
    closed_on = closed_at(case).date()
    vorgang = vorgang_of_case(case.id)
    steps: list[str] = []
    if case.status == "closed" and closed_on + timedelta(days=current_app.config["ARCHIVE_AFTER_DAYS"]) > today:
        return ()
    if vorgang is None or not vorgang.closed or case.status == "closed":
        steps.append(ARCHIVE)
    ends_on, hint = _disposal_of(case, vorgang)
    if ends_on < today:
        if vorgang is not None and vorgang.active_hold is not None:
            if report is not None:
                report.held.append(case.reference)
        elif hint == "V":
            steps.append(DELETE)
        elif report is not None:
            report.for_archive.append(case.reference)
    return tuple(steps)


def run_retention(today: date, *, dry_run: bool = False) -> RetentionReport:
    """Archive the current town's closed cases and destroy those whose retention ended (hint V)."""
    report = RetentionReport()
    candidates = db.session.execute(
        select(Case.id, Case.reference).where(Case.status.in_(("closed", "archived"))).order_by(Case.id)
    ).all()
    for case_id, reference in candidates:
        try:
            case = db.session.get(Case, case_id)
            if case is None:
                continue
            steps = plan(case, today, report)
            if not steps:
                continue
            if not dry_run:
                for step in steps:
                    _STEPS[step](case)
        except Exception as exc:
            # One case's broken data or files must not stop the others; it stays as it was.
            db.session.rollback()
            log.exception("retention failed for case %s", reference)
            report.failed.append((reference, str(exc)))
            continue
        report.done.append(CaseSteps(reference, steps))
    return report


def archive_case(case: Case) -> None:
    """Closed → archived, its Vorgang filed and closed zdA as of the closing date (one transaction)."""
    closed = closed_at(case)
    vorgang = file_case(case, definition_of(case)[1])
    close(vorgang, ACTOR, closed)
    if case.status != "archived":
        previous = case.status
        case.closed_at = closed
        case.status = "archived"
        case.archived_at = utcnow()
        record(ACTOR, "case.archived", "case", case.id, reference=case.reference, aktenzeichen=vorgang.aktenzeichen)
        publish_case_event(case, STATUS_CHANGED, previous_status=previous)
    db.session.commit()


def delete_case(case: Case) -> None:
    """Destroy a case whose Vorgang's hint is V (one transaction)."""
    remove_case(case, "delete", "aktenplan")
    db.session.commit()


_STEPS = {ARCHIVE: archive_case, DELETE: delete_case}


def remove_case(case: Case, disposal: str, decided_by: str, aussonderung_id: int | None = None,
                handoff: str | None = None) -> DisposalRecord:
    """Delete the case with its Vorgang and everything about it (in the caller's transaction),
    leaving a ``case.deleted`` audit event and a :class:`DisposalRecord`. ``disposal`` is
    ``archive`` (handed off) or ``delete``; ``decided_by`` says who decided."""
    vorgang = vorgang_of_case(case.id)
    if vorgang is not None and vorgang.active_hold is not None:
        raise UnderLegalHold(f"{vorgang.aktenzeichen} is under legal hold")
    reference, process = case.reference, case.process_slug
    documents = list(db.session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))
    disposal_record = DisposalRecord(
        case_reference=reference, aktenzeichen=vorgang.aktenzeichen if vorgang else None,
        unit_number=vorgang.akte.unit_number if vorgang else None, process_slug=process,
        closed_on=(vorgang.closed_at if vorgang and vorgang.closed_at else closed_at(case)).date(),
        retention_years=vorgang.retention_years if vorgang else None, disposal=disposal, decided_by=decided_by,
        aussonderung_id=aussonderung_id, document_count=len(documents),
        byte_count=sum(version.size for document in documents for version in document.versions),
    )
    for model in (CaseMessage, CaseNote, CaseAccessToken):
        db.session.execute(delete(model).where(model.case_id == case.id))
    db.session.execute(delete(Draft).where(Draft.submission_key == case.idempotency_key))
    # Mails about the case carry the citizen's address and name.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.case_id == case.id))
    # Contents go before the commit: if it fails, the rows remain and the next run deletes again.
    for document in documents:
        delete_document(document)
    if vorgang is not None:
        db.session.execute(delete(LegalHold).where(LegalHold.vorgang_id == vorgang.id))
        db.session.execute(
            update(AussonderungObject).where(AussonderungObject.vorgang_id == vorgang.id).values(vorgang_id=None)
        )
        db.session.delete(vorgang)
        # Before the case it points to (no ORM relationship orders the two).
        db.session.flush()
    case_id = case.id
    db.session.delete(case)
    db.session.flush()
    # The case's audit trail goes with it (it names the citizen's files and messages). After the
    # case: on PostgreSQL the append-only audit log lets only events of a case that is gone be deleted.
    db.session.execute(
        delete(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
    )
    db.session.add(disposal_record)
    # Keyed by the reference: ids of deleted rows may be given out again.
    record(ACTOR, "case.deleted", "case", reference, reference=reference, process=process, disposal=disposal,
           documents=len(documents), **({"aktenzeichen": disposal_record.aktenzeichen} if vorgang else {}),
           **({"handoff": handoff} if handoff else {}))
    return disposal_record
