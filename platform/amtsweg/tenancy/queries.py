"""Reading the towns table: every active town for jobs that work town by town, and a page of towns
at a time for the member list and the cross-town administration."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, or_, select

from amtsweg.extensions import db
from amtsweg.tenancy.context import all_tenants_context, tenant_context
from amtsweg.tenancy.models import Tenant, TenantInfo


def active_towns() -> list[TenantInfo]:
    """Every active town, for jobs that then run ``with tenant_context(town)`` one by one."""
    with all_tenants_context():
        towns = [town.info() for town in db.session.scalars(select(Tenant).where(Tenant.active.is_(True)))]
        # End the cross-town read so each town's work starts a transaction with its own setting.
        db.session.rollback()
    return towns


Result = TypeVar("Result")
log = logging.getLogger(__name__)


def in_each_town(work: Callable[[], Result], what: str) -> Iterator[tuple[TenantInfo, Result]]:
    """Run ``work`` in each active town's context and yield the town with its result. A town whose
    work fails is rolled back, logged as ``what`` and skipped: one town's broken data, settings or
    provider must not stop the others."""
    for town in active_towns():
        with tenant_context(town):
            try:
                result = work()
            except Exception:
                db.session.rollback()
                log.exception("%s failed for %s", what, town.slug)
                continue
        yield town, result


PER_PAGE = 50


@dataclass(frozen=True)
class TownPage:
    towns: list[TenantInfo]
    # Active towns matching the search (all pages).
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _matching(search: str) -> list[object]:
    conditions: list[object] = [Tenant.active.is_(True)]
    words = search.split()
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(or_(Tenant.name.ilike(pattern, escape="\\"), Tenant.official_name.ilike(pattern, escape="\\"),
                              Tenant.slug.ilike(pattern, escape="\\")))
    return conditions


def town_page(search: str = "", page: int = 1, per_page: int = PER_PAGE) -> TownPage:
    """One page of the active towns by name, filtered by words of their name or slug (two statements)."""
    conditions = _matching(search)
    total = db.session.scalar(select(func.count(Tenant.id)).where(*conditions)) or 0  # type: ignore[arg-type]
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.scalars(
        select(Tenant).where(*conditions).order_by(Tenant.name, Tenant.id)  # type: ignore[arg-type]
        .limit(per_page).offset((page - 1) * per_page)
    )
    return TownPage([row.info() for row in rows], total, page, per_page)


def town_count() -> int:
    """How many active towns the cooperation has."""
    return db.session.scalar(select(func.count(Tenant.id)).where(Tenant.active.is_(True))) or 0


def town_names(ids: Iterable[int]) -> dict[int, str]:
    """Town id → name for the given ids only."""
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(wanted))).tuples().all())


def town_by_id(town_id: int | None) -> TenantInfo | None:
    """The active town with this id, or None."""
    row = db.session.get(Tenant, town_id) if town_id is not None else None
    return row.info() if row is not None and row.active else None
