"""Reading contracts of the current town: search and filters, the deadline dashboard, history, feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from amtsweg.auth.models import User
from amtsweg.contracts.models import (
    ACTIVE,
    CalendarFeed,
    Contract,
    ContractChange,
    ContractDocument,
    ContractImport,
)
from amtsweg.extensions import db
from amtsweg.text import fold
from amtsweg.tokens import hash_token

SORTS: dict[str, InstrumentedAttribute[Any]] = {
    "nummer": Contract.number,
    "titel": Contract.title,
    "partner": Contract.partner_name,
    "frist": Contract.next_notice_by,
    "ende": Contract.next_end_on,
    "wert": Contract.value_cents,
}


@dataclass
class ContractFilter:
    """The list's search and filters as given in the query string."""

    text: str = ""
    contract_type: str = ""
    department: str = ""
    status: str = ""
    responsible_id: int | None = None
    # Only contracts whose next notice deadline (or end) is within this many days.
    deadline_days: int | None = None
    value_min_cents: int | None = None
    value_max_cents: int | None = None
    sort: str = "nummer"
    descending: bool = False


def _due_within(today: date, days: int) -> ColumnElement[bool]:
    last_day = today + timedelta(days=days)
    return or_(
        Contract.next_notice_by.between(today, last_day),
        and_(Contract.next_notice_by.is_(None), Contract.next_end_on.between(today, last_day)),
    )


def filtered(criteria: ContractFilter, today: date) -> Select[tuple[Contract]]:
    """The statement for the list, the exports and the count."""
    stmt = select(Contract)
    for word in fold(criteria.text).split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Contract.search_text.like(f"%{escaped}%", escape="\\"))
    for column, value in (
        (Contract.contract_type, criteria.contract_type),
        (Contract.department, criteria.department),
        (Contract.status, criteria.status),
        (Contract.responsible_id, criteria.responsible_id),
    ):
        if value not in (None, ""):
            stmt = stmt.where(column == value)
    if criteria.deadline_days is not None:
        stmt = stmt.where(_due_within(today, criteria.deadline_days))
    if criteria.value_min_cents is not None:
        stmt = stmt.where(Contract.value_cents >= criteria.value_min_cents)
    if criteria.value_max_cents is not None:
        stmt = stmt.where(Contract.value_cents <= criteria.value_max_cents)
    column = SORTS.get(criteria.sort, Contract.number)
    order = column.desc() if criteria.descending else column.asc()
    return stmt.order_by(order.nulls_last(), Contract.id)


def page_of(stmt: Select[tuple[Contract]], page: int, per_page: int) -> tuple[list[Contract], int]:
    """One page of the statement's contracts and the total number."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return list(items), total


def due_soon(today: date, days: int = 90) -> list[Contract]:
    """Active contracts whose notice deadline (or, without notice, their end) falls in the window."""
    stmt = (
        select(Contract)
        .where(Contract.status == ACTIVE, _due_within(today, days))
        .order_by(func.coalesce(Contract.next_notice_by, Contract.next_end_on), Contract.id)
    )
    return list(db.session.scalars(stmt).unique().all())


def find_contract(contract_id: int) -> Contract | None:
    """One of the current town's contracts, or None."""
    return db.session.scalar(select(Contract).where(Contract.id == contract_id))


def history(contract_id: int) -> list[ContractChange]:
    """The recorded changes of a contract, newest first."""
    stmt = (
        select(ContractChange)
        .where(ContractChange.contract_id == contract_id)
        .order_by(ContractChange.changed_at.desc(), ContractChange.id.desc())
    )
    return list(db.session.scalars(stmt).all())


def documents(contract_id: int) -> list[ContractDocument]:
    """The contract's documents by title, each title's newest version first."""
    stmt = (
        select(ContractDocument)
        .where(ContractDocument.contract_id == contract_id)
        .order_by(ContractDocument.title, ContractDocument.version.desc())
    )
    return list(db.session.scalars(stmt).unique().all())


def find_document(contract_id: int, attachment_id: int) -> ContractDocument | None:
    """One document of the contract, or None (another contract's is not found)."""
    return db.session.scalar(
        select(ContractDocument).where(
            ContractDocument.id == attachment_id, ContractDocument.contract_id == contract_id
        )
    )


def departments() -> list[str]:
    """The departments the town's contracts name, for the filter."""
    stmt = select(Contract.department).where(Contract.department != "").distinct().order_by(Contract.department)
    return list(db.session.scalars(stmt).all())


def town_users() -> list[User]:
    """The town's active accounts, for choosing the responsible person and deputy."""
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name)).all())


def users_by_email() -> dict[str, User]:
    """The town's accounts by e-mail address (case-insensitive), as the import names people."""
    return {user.email.casefold(): user for user in town_users() if user.email}


def feed_owner(token: str) -> User | None:
    """The user a secret calendar address belongs to (in this town), if any."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))
    if feed is None:
        return None
    return db.session.scalar(select(User).where(User.id == feed.user_id, User.active.is_(True)))


def has_feed(user: User) -> bool:
    """Whether the account has a calendar feed of its deadlines."""
    return db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user.id)) is not None


def contracts_of(user: User) -> list[Contract]:
    """Active contracts ``user`` is responsible for or deputises on."""
    stmt = (
        select(Contract)
        .where(Contract.status == ACTIVE, or_(Contract.responsible_id == user.id, Contract.deputy_id == user.id))
        .order_by(Contract.number)
    )
    return list(db.session.scalars(stmt).unique().all())


def find_import(token: str) -> ContractImport | None:
    """The import preview that the secret token opens, or None."""
    return db.session.scalar(select(ContractImport).where(ContractImport.token_hash == hash_token(token)))
