"""PostgreSQL row-level security: policies (created by migrations) and the per-transaction setting.

Defence in depth below the ORM guard: even raw SQL of the app role only sees rows whose
``tenant_id`` equals ``current_setting('amtsweg.tenant_id')``. Cross-town work sets
``amtsweg.all_tenants`` instead. Both are set with ``set_config(..., true)``: local to the
transaction, so a pooled connection never carries one town's setting into the next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction

from amtsweg.tenancy.context import all_tenants_active, current_tenant_or_none

POLICY_NAME = "tenant_isolation"
_SET_CONFIG = text(
    "SELECT set_config('amtsweg.tenant_id', :tenant_id, true), set_config('amtsweg.all_tenants', :all, true)"
)


def _current_values() -> dict[str, str]:
    tenant = current_tenant_or_none()
    return {"tenant_id": str(tenant.id) if tenant else "", "all": "on" if all_tenants_active() else "off"}


def _apply(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_CONFIG, _current_values())


@event.listens_for(Session, "after_begin")
def _set_tenant_on_begin(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    _apply(connection)


def apply_to_current_session() -> None:
    """Re-apply the settings when the tenant changes while a transaction is already open."""
    from flask import has_app_context

    if not has_app_context():
        return
    from amtsweg.extensions import db

    session = db.session()
    if session.in_transaction():
        _apply(session.connection())


# Each setting is read in a scalar subquery, which PostgreSQL evaluates once per statement (an
# InitPlan) instead of calling current_setting() for every row; the comparison with tenant_id is
# then a plain parameter comparison.
POLICY_CONDITION = (
    "((SELECT current_setting('amtsweg.all_tenants', true)) = 'on' OR "
    "tenant_id = (SELECT NULLIF(current_setting('amtsweg.tenant_id', true), '')::integer))"
)


def policy_sql(table: str) -> list[str]:
    """Statements that switch on row-level security for one tenant-owned table."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {table} USING {POLICY_CONDITION} WITH CHECK {POLICY_CONDITION}",
    ]


def enable_rls(op: Any, table: str) -> None:
    """For migrations: switch on row-level security for ``table`` (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in policy_sql(table):
        op.execute(statement)


def disable_rls(op: Any, table: str) -> None:
    """Drop a table's row-level security policy (in a downgrade; PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


@contextmanager
def every_towns_rows(op: Any, *tables: str) -> Iterator[None]:
    """For data migrations that copy every town's rows of ``tables``: row-level security is forced
    on the owner the migration runs as, so a plain copy sees no row at all. FORCE is lifted for
    those tables while the block runs and put back after it, whatever the policies of that revision
    read. Both happen inside the migration's transaction: nobody else ever sees the tables unforced."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables if postgresql else ():
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    yield
    for table in tables if postgresql else ():
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
