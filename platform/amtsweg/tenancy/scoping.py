"""Automatic tenant scoping of every ORM query (fail closed).

Every query that touches a ``TenantOwned`` model gets ``tenant_id = current tenant`` added via
``with_loader_criteria``; without a tenant context such a query raises ``TenantContextMissing``.
New rows get the current tenant's id; writing a row of another tenant raises.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql import util as sql_util

from amtsweg.extensions import Base
from amtsweg.tenancy.context import TenantContextMissing, all_tenants_active, current_tenant_or_none


class TenantOwned:
    """Mixin for every table that holds one town's data."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("tenant.id", ondelete="RESTRICT"), nullable=False, index=True)


def _tenant_tables() -> set[str]:
    owned = (mapper for mapper in Base.registry.mappers if issubclass(mapper.class_, TenantOwned))
    return {table.name for mapper in owned for table in mapper.tables}


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    """Any entity or table of the statement (also in joins, subqueries, select_from) is tenant-owned."""
    if any(issubclass(mapper.class_, TenantOwned) for mapper in state.all_mappers):
        return True
    statement = state.statement
    if not isinstance(statement, ClauseElement):
        return False
    tenant_tables = _tenant_tables()
    return any(
        getattr(table, "name", None) in tenant_tables
        for table in sql_util.find_tables(statement, include_joins=True, include_aliases=True)
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or all_tenants_active():
        return
    if not _touches_tenant_data(state):
        return
    tenant = current_tenant_or_none()
    if tenant is None:
        raise TenantContextMissing("query of tenant-owned data without a tenant context")
    tenant_id = tenant.id
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_guard_writes(session: Session, flush_context: object, instances: object) -> None:
    if all_tenants_active():
        return
    tenant = current_tenant_or_none()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantOwned):
            continue
        if tenant is None:
            raise TenantContextMissing(f"writing {type(obj).__name__} without a tenant context")
        if obj in session.new and obj.tenant_id is None:
            obj.tenant_id = tenant.id
        if obj.tenant_id != tenant.id:
            raise TenantContextMissing(f"{type(obj).__name__} belongs to another tenant")
