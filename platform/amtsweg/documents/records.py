"""Filing cases in the town's Aktenplan, closing Vorgänge "zu den Akten" and legal holds.

A case is filed as a Vorgang of the Akte of its unit and year: unit from the town's mapping in
``tenant.toml`` or else the definition's ``aktenplan``; retention and the archive's hint from the
definition's ``retention`` or else the unit. Aktenzeichen: ``<unit>-<year>`` for the Akte,
``<unit>-<year>/<n>`` for its n-th Vorgang (running number per Akte, given out under a row lock).

Retention begins at the end of the year in which the Vorgang was closed and lasts its years; a
Vorgang is due on the day after :func:`retention_end`. Nothing under legal hold is ever deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from amtsweg.audit.services import record
from amtsweg.clock import utcnow
from amtsweg.documents.models import Akte, Document, DocumentVersion, LegalHold, Vorgang
from amtsweg.documents.services import DocumentRefused, Editor
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.processes.loader import from_storable
from amtsweg.processes.models import Process, ProcessVersion
from amtsweg.processes.schema import ProcessDefinition
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.aktenplan import Unit

MAX_REASON = 1000


class FiledCase(Protocol):
    """What filing needs of a case (cases sit above the documents and are not imported here)."""

    id: int
    reference: str
    process_slug: str
    submitted_at: datetime


class FilingError(LookupError):
    """The case cannot be filed: the town's Aktenplan has no fitting unit (a configuration error)."""


def retention_end(closed_on: date, years: int) -> date:
    """The last day of retention: it starts with the end of the year of closing."""
    return date(closed_on.year + years, 12, 31)


def _akte(number: str, title: str, year: int) -> Akte:
    """The Akte of the unit and year, created on first use; locked for numbering its Vorgänge."""
    query = select(Akte).filter_by(unit_number=number, year=year).with_for_update()
    akte = db.session.scalar(query)
    if akte is not None:
        return akte
    try:
        with db.session.begin_nested():
            akte = Akte(uuid=str(uuid.uuid4()), aktenzeichen=f"{number}-{year}", unit_number=number,
                        unit_title=title, year=year, last_number=0)
            db.session.add(akte)
    except IntegrityError:
        # Filed at the same moment by another transaction: use its Akte.
        return db.session.scalars(query).one()
    return akte


def vorgang_of_case(case_id: int) -> Vorgang | None:
    """The Vorgang the case is filed as (None until it is filed)."""
    return db.session.scalar(select(Vorgang).filter_by(case_id=case_id))


@dataclass(frozen=True)
class FilingRule:
    """Where a case is filed and how long it is kept."""

    unit: Unit
    retention_years: int
    archive_hint: str


def _named_unit(process_slug: str, definition: ProcessDefinition) -> str | None:
    """The unit the definition names; a version from before units were named (a case keeps the
    version it was submitted under) files under the unit of the process's current version."""
    if definition.aktenplan is not None:
        return definition.aktenplan
    current = db.session.scalar(
        select(ProcessVersion).join(Process, Process.current_version_id == ProcessVersion.id)
        .where(Process.slug == process_slug)
    )
    return from_storable(current.definition).aktenplan if current is not None else None


def filing_rule(process_slug: str, definition: ProcessDefinition) -> FilingRule:
    """The unit (the town's mapping, else the definition's), retention and hint (the definition's
    ``retention``, else the unit's) for cases of a process in the current town."""
    town = current_tenant()
    plan = town.aktenplan
    unit = plan.unit_for(process_slug, _named_unit(process_slug, definition)) if plan is not None else None
    if unit is None or not unit.fileable:
        raise FilingError(f"{town.slug} has no Aktenplan unit with retention for '{process_slug}' "
                          "(check tenant.toml [aktenplan.processes] and run flask tenants sync)")
    rule = definition.retention
    if rule is not None:
        return FilingRule(unit, rule.years, rule.archive_hint)
    assert unit.retention_years is not None and unit.archive is not None  # a fileable unit has both
    return FilingRule(unit, unit.retention_years, unit.archive)


def file_case(case: FiledCase, definition: ProcessDefinition) -> Vorgang:
    """The case's Vorgang, filed now if it has none (in the caller's transaction; the caller's audit
    event names the Aktenzeichen)."""
    existing = vorgang_of_case(case.id)
    if existing is not None:
        return existing
    rule = filing_rule(case.process_slug, definition)
    akte = _akte(rule.unit.number, rule.unit.title, case.submitted_at.year)
    akte.last_number += 1
    vorgang = Vorgang(
        uuid=str(uuid.uuid4()), akte_id=akte.id, number=akte.last_number,
        aktenzeichen=f"{akte.aktenzeichen}/{akte.last_number}", case_id=case.id,
        subject=f"{definition.title.de} – {case.reference}", process_slug=case.process_slug,
        retention_years=rule.retention_years, archive_hint=rule.archive_hint, opened_at=case.submitted_at,
    )
    db.session.add(vorgang)
    db.session.flush()
    return vorgang


def versions_of(vorgang: Vorgang) -> list[DocumentVersion]:
    """Every stored version of every document of the Vorgang, oldest document first."""
    return list(db.session.scalars(
        select(DocumentVersion).join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.case_id == vorgang.case_id).order_by(Document.id, DocumentVersion.number)
    ))


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, UTC)


def close(vorgang: Vorgang, actor: str, closed_at: datetime | None = None) -> None:
    """zdA: close the Vorgang (in the caller's transaction); its documents become read-only and,
    where the store supports it, write-once until the end of retention."""
    if vorgang.closed:
        return
    locked = db.session.scalar(
        select(Document.filename).where(Document.case_id == vorgang.case_id, Document.locked_at.is_not(None))
    )
    if locked is not None:
        raise DocumentRefused(_(
            "„%(name)s“ ist noch ausgecheckt. Bitte checken Sie alle Dokumente ein, bevor der Vorgang zu den "
            "Akten verfügt wird.", name=locked,
        ))
    vorgang.closed_at = closed_at or utcnow()
    vorgang.closed_by = actor
    vorgang.retention_ends_on = retention_end(vorgang.closed_at.date(), vorgang.retention_years)
    storage = get_storage()
    until = _end_of(vorgang.retention_ends_on)
    protected = [storage.retain(version.storage_key, until) for version in versions_of(vorgang)]
    if protected and all(protected):
        vorgang.worm_until = vorgang.retention_ends_on
    record(actor, "vorgang.closed", "case", vorgang.case_id, aktenzeichen=vorgang.aktenzeichen,
           retention_ends_on=vorgang.retention_ends_on.isoformat())


def close_vorgang(vorgang: Vorgang, editor: Editor) -> None:
    """A clerk closes the Vorgang zdA (one transaction); see :func:`close`."""
    close(vorgang, editor.label)
    db.session.commit()


def _hold_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise DocumentRefused(_("Bitte geben Sie den Grund an (z. B. das Aktenzeichen des Gerichtsverfahrens)."))
    if len(cleaned) > MAX_REASON:
        raise DocumentRefused(_("Der Grund darf höchstens %(max)s Zeichen lang sein.", max=MAX_REASON))
    return cleaned


def _require_team_lead(editor: Editor) -> None:
    if not editor.team_lead:
        raise DocumentRefused(_("Nur die Teamleitung kann eine Aufbewahrungssperre setzen oder aufheben."))


def set_legal_hold(vorgang: Vorgang, editor: Editor, reason: str) -> LegalHold:
    """Put the Vorgang under legal hold (one transaction): it is not deleted, whatever its retention.
    The store holds its documents too where it can (object-lock legal hold)."""
    _require_team_lead(editor)
    cleaned = _hold_reason(reason)
    if vorgang.active_hold is not None:
        raise DocumentRefused(_("Für den Vorgang %(aktenzeichen)s besteht bereits eine Aufbewahrungssperre.",
                                aktenzeichen=vorgang.aktenzeichen))
    # The store first: if the commit fails, a held object is merely kept longer.
    storage = get_storage()
    for version in versions_of(vorgang):
        storage.hold(version.storage_key, True)
    hold = LegalHold(vorgang_id=vorgang.id, reason=cleaned, set_by=editor.label, set_at=utcnow())
    db.session.add(hold)
    record(editor.label, "vorgang.hold_set", "case", vorgang.case_id, aktenzeichen=vorgang.aktenzeichen,
           reason=cleaned)
    db.session.commit()
    return hold


def lift_legal_hold(vorgang: Vorgang, editor: Editor, reason: str) -> LegalHold:
    """Lift the Vorgang's legal hold (one transaction); retention then applies again."""
    _require_team_lead(editor)
    cleaned = _hold_reason(reason)
    hold = vorgang.active_hold
    if hold is None:
        raise DocumentRefused(_("Für den Vorgang %(aktenzeichen)s besteht keine Aufbewahrungssperre.",
                                aktenzeichen=vorgang.aktenzeichen))
    hold.lifted_by, hold.lifted_at, hold.lift_reason = editor.label, utcnow(), cleaned
    record(editor.label, "vorgang.hold_lifted", "case", vorgang.case_id, aktenzeichen=vorgang.aktenzeichen,
           reason=cleaned)
    db.session.commit()
    # The store last: if this fails, the objects stay held and deletion retries later.
    storage = get_storage()
    for version in versions_of(vorgang):
        storage.hold(version.storage_key, False)
    return hold
