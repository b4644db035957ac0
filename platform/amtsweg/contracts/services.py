"""Changing contracts, one transaction each: create, edit (with history), documents, import,
calendar tokens, cached deadlines and reminders."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any, BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from amtsweg.audit.services import record
from amtsweg.auth.models import User
from amtsweg.clock import utcnow
from amtsweg.contracts.deadlines import (
    ContractTerms,
    Deadline,
    InvalidTermsError,
    PeriodParseError,
    next_deadline,
    parse_notice_period,
    parse_period,
    terms_problems,
    upcoming_deadlines,
)
from amtsweg.contracts.models import (
    ACTIVE,
    CONTRACT_TYPES,
    STATUSES,
    VALUE_INTERVALS,
    CalendarFeed,
    Contract,
    ContractChange,
    ContractDocument,
    ContractImport,
    ContractNumberCounter,
    ContractReminder,
)
from amtsweg.documents.services import store_upload
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.formatting import format_cents, format_date
from amtsweg.notifications.services import queue_mail
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.links import external_url
from amtsweg.text import fold
from amtsweg.tokens import hash_token, new_token

# A contract number: the generated V-<year>-<nnnn>, or the numbering a town already uses
# ("2019/034", "LV 17-12"): letters, digits and . / - _ and single spaces, up to 20 characters.
NUMBER_PATTERN = re.compile(r"[A-Za-z0-9ÄÖÜäöüß]+(?:[ ./_-][A-Za-z0-9ÄÖÜäöüß]+)*")
REMINDER_TEMPLATE = "vertrag_frist"

# Labels of the contract fields, as forms, problems and the history name them.
FIELD_LABELS: dict[str, Any] = {
    "number": _l("Vertragsnummer"),
    "title": _l("Titel"),
    "contract_type": _l("Vertragsart"),
    "partner_name": _l("Vertragspartner"),
    "partner_address": _l("Anschrift des Partners"),
    "partner_contact": _l("Ansprechperson des Partners"),
    "department": _l("Fachbereich"),
    "responsible_id": _l("Verantwortlich"),
    "deputy_id": _l("Vertretung"),
    "subject": _l("Vertragsgegenstand"),
    "starts_on": _l("Beginn"),
    "ends_on": _l("Ende"),
    "minimum_term": _l("Mindestlaufzeit"),
    "notice_period": _l("Kündigungsfrist"),
    "renewal_period": _l("Automatische Verlängerung um"),
    "value_cents": _l("Wert"),
    "value_interval": _l("Wertart"),
    "cost_centre": _l("Kostenstelle/Produkt"),
    "status": _l("Status"),
    "tags": _l("Schlagwörter"),
    "notes": _l("Notizen"),
    "documents": _l("Dokumente"),
}


@dataclass
class ContractInput:
    """What a form or an import row says about a contract, already typed but not yet checked."""

    title: str
    contract_type: str
    partner_name: str
    starts_on: date
    number: str = ""
    partner_address: str = ""
    partner_contact: str = ""
    department: str = ""
    responsible_id: int | None = None
    deputy_id: int | None = None
    subject: str = ""
    ends_on: date | None = None
    minimum_term: str = ""
    notice_period: str = ""
    renewal_period: str = ""
    value_cents: int | None = None
    value_interval: str = "einmalig"
    cost_centre: str = ""
    status: str = ACTIVE
    tags: list[str] = field(default_factory=list)
    notes: str = ""


class ContractInvalid(DomainError):
    """The input cannot be saved (the problems name field and, for imports, row); nothing was written."""


def field_label(name: str) -> str:
    """The label of a contract field in the page's language, as the problems and the history name it."""
    return str(FIELD_LABELS.get(name, name))


def terms_of(data: ContractInput | Contract) -> ContractTerms:
    """The deadline-relevant terms; raises PeriodParseError for clauses that cannot be read."""
    return ContractTerms(
        start=data.starts_on,
        end=data.ends_on,
        minimum_term=parse_period(data.minimum_term) if data.minimum_term else None,
        notice=parse_notice_period(data.notice_period) if data.notice_period else None,
        renewal=parse_period(data.renewal_period) if data.renewal_period else None,
    )


CLAUSES = (("minimum_term", parse_period), ("renewal_period", parse_period), ("notice_period", parse_notice_period))


def clause_problems(texts: dict[str, str]) -> list[Problem]:
    """Problems reading the term clauses (field name → text), e.g. an unparseable notice period."""
    problems = []
    for name, parse in CLAUSES:
        text = texts.get(name, "")
        if text:
            try:
                parse(text)
            except (PeriodParseError, ValueError) as exc:
                problems.append(Problem(name, str(exc)))
    return problems


def _terms_problems(data: ContractInput) -> list[Problem]:
    problems = clause_problems({name: getattr(data, name) for name, _ in CLAUSES})
    if problems:
        return problems
    return [Problem(name, message) for name, message in terms_problems(terms_of(data))]


def _town_user_exists(user_id: int) -> bool:
    return db.session.scalar(select(User.id).where(User.id == user_id)) is not None


def check(data: ContractInput, contract_id: int | None = None, taken_numbers: set[str] | None = None) -> list[Problem]:
    """Every problem of ``data``; empty when it can be saved."""
    problems = [
        Problem(name, _("Bitte ausfüllen.")) for name in ("title", "partner_name") if not getattr(data, name).strip()
    ]
    for name, allowed in (("contract_type", CONTRACT_TYPES), ("status", STATUSES), ("value_interval", VALUE_INTERVALS)):
        if getattr(data, name) not in allowed:
            problems.append(Problem(name, _("Bitte einen dieser Werte wählen: %(values)s.",
                                            values=", ".join(allowed.values()))))
    if data.number:
        if not NUMBER_PATTERN.fullmatch(data.number) or len(data.number) > 20:
            problems.append(Problem("number", _(
                "Die Vertragsnummer besteht aus Buchstaben und Ziffern, getrennt höchstens durch . / - _ oder ein "
                "Leerzeichen, und hat höchstens 20 Zeichen, z. B. V-2026-0001 oder 2019/034.")))
        elif data.number in (taken_numbers or set()) or db.session.scalar(
            select(Contract.id).where(Contract.number == data.number, Contract.id != (contract_id or 0))
        ):
            problems.append(Problem("number", _number_taken(data.number)))
    if data.value_cents is not None and data.value_cents < 0:
        problems.append(Problem("value_cents", _("Der Wert darf nicht negativ sein.")))
    for name in ("responsible_id", "deputy_id"):
        user_id = getattr(data, name)
        if user_id is not None and not _town_user_exists(user_id):
            problems.append(Problem(name, _("Diese Person gibt es in dieser Kommune nicht.")))
    if data.responsible_id is not None and data.responsible_id == data.deputy_id:
        problems.append(Problem("deputy_id", _("Die Vertretung muss eine andere Person sein als die verantwortliche.")))
    return problems + _terms_problems(data)


def _number_taken(number: str) -> str:
    return _("Die Vertragsnummer %(number)s ist bereits vergeben.", number=number)


def next_number(year: int) -> str:
    """The next free V-<year>-<nnnn> of this town; the counter row is locked until the commit."""
    counter = db.session.scalar(
        select(ContractNumberCounter).where(ContractNumberCounter.year == year).with_for_update()
    )
    if counter is None:
        counter = ContractNumberCounter(year=year, last_value=0)
        db.session.add(counter)
    while True:
        counter.last_value += 1
        number = f"V-{year}-{counter.last_value:04d}"
        # A number entered by hand is skipped rather than given out twice.
        if db.session.scalar(select(Contract.id).where(Contract.number == number)) is None:
            return number


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return format_date(value, "de")
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _display_field(name: str, value: Any) -> str:
    """How a field's value reads in the history: labels instead of keys, people by name, euros."""
    labels = {"contract_type": CONTRACT_TYPES, "status": STATUSES, "value_interval": VALUE_INTERVALS}.get(name)
    if labels is not None:
        return labels.get(value, _display(value))
    if name in ("responsible_id", "deputy_id") and value is not None:
        user = db.session.scalar(select(User).where(User.id == value))
        return user.label if user is not None else _display(value)
    if name == "value_cents" and value is not None:
        return format_cents(value, "de")
    return _display(value)


def deadline_of(contract: Contract, today: date) -> Deadline | None:
    """The next deadline worth showing; None for inactive contracts and for rolling notice periods
    (a plain "3 Monate" without renewal can be given any day, so it has no date to watch)."""
    if contract.status != ACTIVE:
        return None
    terms = terms_of(contract)
    deadline = next_deadline(terms, today)
    rolling = terms.renewal is None and terms.notice is not None and terms.notice.anchor is None
    if deadline is None or (rolling and deadline.notice_by is not None):
        return None
    return deadline


def refresh_deadline(contract: Contract, today: date) -> None:
    """Recompute the cached next notice deadline and end (in the caller's transaction)."""
    deadline = deadline_of(contract, today)
    contract.next_notice_by = deadline.notice_by if deadline else None
    contract.next_end_on = deadline.ends_on if deadline else None


def _search_text(contract: Contract) -> str:
    parts = [
        contract.number,
        contract.title,
        contract.partner_name,
        contract.subject,
        contract.notes,
        " ".join(contract.tags or []),
    ]
    return fold(" ".join(part for part in parts if part))


def _apply(contract: Contract, data: ContractInput, actor: str, today: date, *, is_new: bool = False) -> None:
    """Write ``data`` onto ``contract`` and keep one history row per changed (for a new one: set) field."""
    if is_new:
        db.session.flush()
    for name in (f.name for f in fields(ContractInput)):
        old = None if is_new else getattr(contract, name)
        new = getattr(data, name)
        if name == "number" and not new:
            new = contract.number
        if old == new or (is_new and new in (None, "", [])):
            continue
        setattr(contract, name, new)
        db.session.add(
            ContractChange(
                contract_id=contract.id,
                actor=actor,
                field=name,
                old_value=_display_field(name, old),
                new_value=_display_field(name, new),
            )
        )
    contract.search_text = _search_text(contract)
    refresh_deadline(contract, today)


def _new_contract(data: ContractInput, actor: str, today: date) -> Contract:
    values = {f.name: getattr(data, f.name) for f in fields(ContractInput)}
    values["number"] = data.number or next_number(today.year)
    contract = Contract(**values)
    db.session.add(contract)
    _apply(contract, data, actor, today, is_new=True)
    return contract


def _commit_or_duplicate(number: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Two clerks entering the same number at the same time: the database decides.
        db.session.rollback()
        raise ContractInvalid(problems=[Problem("number", _number_taken(number))]) from exc


def create_contract(data: ContractInput, actor: User, today: date | None = None) -> Contract:
    """Check and store a new contract (number generated when none is given)."""
    problems = check(data)
    if problems:
        raise ContractInvalid(problems=problems)
    contract = _new_contract(data, actor.label, today or date.today())
    record(actor.label, "contract.created", "contract", contract.id, number=contract.number)
    _commit_or_duplicate(contract.number)
    return contract


def update_contract(contract: Contract, data: ContractInput, actor: User, today: date | None = None) -> Contract:
    """Check and store changes; every changed field goes into the history."""
    problems = check(data, contract_id=contract.id)
    if problems:
        raise ContractInvalid(problems=problems)
    _apply(contract, data, actor.label, today or date.today())
    record(actor.label, "contract.updated", "contract", contract.id)
    _commit_or_duplicate(contract.number)
    return contract


def refresh_all_deadlines(today: date) -> int:
    """Daily: recompute the cached deadlines of the current town's contracts; returns how many changed."""
    changed = 0
    for contract in db.session.scalars(select(Contract)):
        before = (contract.next_notice_by, contract.next_end_on)
        try:
            refresh_deadline(contract, today)
        except (PeriodParseError, InvalidTermsError, ValueError):
            continue
        changed += before != (contract.next_notice_by, contract.next_end_on)
    db.session.commit()
    return changed


# --- calendar feed ------------------------------------------------------------------------------


def issue_calendar_token(user: User) -> str:
    """A new secret feed address for ``user``; an earlier one stops working."""
    token = new_token()
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=hash_token(token))
        db.session.add(feed)
    else:
        feed.token_hash = hash_token(token)
        feed.created_at = utcnow()
    record(user.label, "contract.calendar_token_issued", "user", user.id)
    db.session.commit()
    return token


# --- import -------------------------------------------------------------------------------------


def store_import(filename: str, rows: list[dict[str, Any]], user: User) -> str:
    """Keep a parsed file for the preview; returns the secret token of the preview's address."""
    token = new_token()
    db.session.add(ContractImport(token_hash=hash_token(token), filename=filename, created_by_id=user.id, rows=rows))
    db.session.commit()
    return token


def confirm_import(
    preview: ContractImport, inputs: list[tuple[int, ContractInput]], actor: User, today: date | None = None,
    *, unreadable: list[Problem] | None = None, only_valid_rows: bool = False,
) -> list[Contract]:
    """Store every row of a checked preview, or none of them when any row has a problem now
    (``unreadable``: the problems of rows that could not be read); with ``only_valid_rows`` the rows
    without problems are stored and the others left out."""
    if preview.imported_at is not None:
        raise ContractInvalid(problems=[Problem("number", _("Diese Datei wurde bereits übernommen."))])
    problems: list[Problem] = list(unreadable or [])
    numbers: set[str] = set()
    valid: list[ContractInput] = []
    for row, data in inputs:
        found = [replace(p, row=row) for p in check(data, taken_numbers=numbers)]
        problems += found
        if not found:
            valid.append(data)
            if data.number:
                numbers.add(data.number)
    if problems and not (only_valid_rows and valid):
        raise ContractInvalid(problems=problems)
    day = today or date.today()
    contracts = [_new_contract(data, actor.label, day) for data in valid]
    preview.imported_at = utcnow()
    record(
        actor.label, "contract.imported", "contract_import", preview.id, count=len(contracts), filename=preview.filename
    )
    _commit_or_duplicate(", ".join(c.number for c in contracts))
    return contracts


# --- reminders ----------------------------------------------------------------------------------


def contract_url(contract: Contract) -> str:
    """The contract's page in the workbench, for reminder mails and calendar entries."""
    return external_url(current_tenant(), "contracts.detail", contract_id=contract.id)


def _recipients(contract: Contract) -> list[User]:
    people = [contract.responsible, contract.deputy]
    return [person for person in people if person is not None and person.active and person.email]


def _due_lead(notice_by: date, today: date, lead_days: list[int]) -> int | None:
    """The smallest lead time already reached: a contract found late gets one reminder, not three."""
    reached = [lead for lead in lead_days if notice_by - timedelta(days=lead) <= today]
    return min(reached) if reached else None


def send_due_reminders(today: date, lead_days: list[int]) -> int:
    """Queue the reminders due today for the current town; returns how many were queued.

    Each (contract, deadline, lead time) is reminded exactly once: the ContractReminder row and
    the outbox rows are written in one transaction, and the unique key refuses a second run's row.
    """
    if not lead_days:
        return 0
    queued = 0
    contracts = db.session.scalars(select(Contract).where(Contract.status == ACTIVE).order_by(Contract.id)).all()
    for contract in contracts:
        try:
            deadlines = upcoming_deadlines(terms_of(contract), today, max(lead_days))
        except (PeriodParseError, InvalidTermsError, ValueError):
            continue
        for deadline in deadlines:
            lead = _due_lead(deadline.notice_by, today, lead_days)  # type: ignore[arg-type]
            if lead is None or not _recipients(contract):
                continue
            queued += _remind(contract, deadline, lead, today, contract_url(contract))
    return queued


def _remind(contract: Contract, deadline: Deadline, lead: int, today: date, url: str) -> int:
    notice_by = deadline.notice_by
    assert notice_by is not None
    exists = db.session.scalar(
        select(ContractReminder.id).where(
            ContractReminder.contract_id == contract.id,
            ContractReminder.notice_by == notice_by,
            ContractReminder.lead_days == lead,
        )
    )
    if exists is not None:
        return 0
    recipients = _recipients(contract)
    db.session.add(
        ContractReminder(
            contract_id=contract.id,
            notice_by=notice_by,
            lead_days=lead,
            recipients=[person.email for person in recipients],
        )
    )
    context = {
        "number": contract.number,
        "title": contract.title,
        "partner": contract.partner_name,
        "notice_by": _display(notice_by),
        "ends_on": _display(deadline.ends_on),
        "days_left": (notice_by - today).days,
        "notice_period": contract.notice_period,
        "url": url,
    }
    for person in recipients:
        queue_mail(
            to=person.email,
            template=REMINDER_TEMPLATE,
            context={**context, "name": person.label},
            dedupe_key=f"contract-reminder:{contract.id}:{notice_by.isoformat()}:{lead}:{person.id}",
        )
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent run of the job was faster; its reminder stands, ours is dropped whole.
        db.session.rollback()
        return 0
    return 1


# --- documents ----------------------------------------------------------------------------------

DOCUMENT_TYPES = ("pdf", "docx", "xlsx", "odt", "ods", "jpeg", "png", "txt")


def add_document(
    contract: Contract, stream: BinaryIO, filename: str, title: str, actor: User, max_bytes: int
) -> ContractDocument:
    """Store an upload as the next version of the contract's document called ``title``.

    Raises UploadRejected (German message) when the file is refused; nothing is stored then.
    """
    document = store_upload(
        stream,
        filename,
        accept=DOCUMENT_TYPES,
        max_bytes=max_bytes,
        owner_type="contract",
        owner_id=contract.id,
        source="clerk",
    )
    title = title.strip() or document.filename
    latest = db.session.scalar(
        select(func.max(ContractDocument.version)).where(
            ContractDocument.contract_id == contract.id, ContractDocument.title == title
        )
    )
    attached = ContractDocument(
        contract_id=contract.id,
        document_id=document.id,
        title=title,
        version=(latest or 0) + 1,
        uploaded_by=actor.label,
    )
    db.session.add(attached)
    db.session.add(
        ContractChange(
            contract_id=contract.id,
            actor=actor.label,
            field="documents",
            new_value=f"{title} (Version {attached.version}, {document.filename})",
        )
    )
    record(actor.label, "contract.document_added", "contract", contract.id, document_id=document.id)
    db.session.commit()
    return attached
