"""PostgreSQL row-level security: policies (created by migrations) and the per-transaction town.

Defence in depth below the ORM guard, built so that SQL injected into the app's own connection
cannot widen it:

- The app role sees only rows whose ``tenant_id`` is the town *proven* for the transaction. The app
  sets ``amtsweg.tenant`` to ``<town id>:<HMAC-SHA256 of the id>``; the policies compare each row
  with ``amtsweg_current_tenant()``, a SECURITY DEFINER function that checks the proof with a key
  kept in the schema ``amtsweg_private``, which the app role cannot read. Setting another town's id
  (or any other setting) without its proof shows no rows at all; there is no "all towns" switch.
- Cross-town work (scheduler sweeps, platform administration, the library sync) runs under a second
  role with ``BYPASSRLS`` (``OPS_DATABASE_URL``): inside ``all_tenants_context`` the session sends its
  statements to that bind (see :class:`amtsweg.extensions.RoutingSession`). The app reads the key
  through it once per process.

The setting is made with ``set_config(..., true)``: local to the transaction, so a pooled
connection never carries one town into the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from amtsweg.extensions import bind_choosers, db
from amtsweg.tenancy.context import all_tenants_active, current_tenant_or_none

POLICY_NAME = "tenant_isolation"
SETTING = "amtsweg.tenant"
OPS_BIND = "ops"
PRIVATE_SCHEMA = "amtsweg_private"
TENANT_FUNCTION = "amtsweg_current_tenant"
_KEY_CACHE = "amtsweg_rls_key"
_SET_TENANT = text(f"SELECT set_config('{SETTING}', :proof, true)")
# HMAC (RFC 2104) in SQL: the key's inner and outer pads are stored beside it.
_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {TENANT_FUNCTION}() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN claim.mac = encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(claim.id, 'UTF8'))),
                                      'hex')
              THEN claim.id::integer END
  FROM (SELECT split_part(raw.value, ':', 1) AS id, split_part(raw.value, ':', 2) AS mac
        FROM (SELECT coalesce(current_setting('{SETTING}', true), '') AS value) AS raw) AS claim,
       {PRIVATE_SCHEMA}.rls_key AS k
  WHERE claim.id ~ '^[0-9]{{1,9}}$'
$$
"""


class RlsKeyUnavailable(RuntimeError):
    """The app cannot prove its town to PostgreSQL: no ops role configured or no key stored."""


def tenant_proof(key: bytes, tenant_id: int) -> str:
    """The value of ``amtsweg.tenant`` that makes ``tenant_id`` the transaction's town."""
    return f"{tenant_id}:{hmac.new(key, str(tenant_id).encode(), hashlib.sha256).hexdigest()}"


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def _engines() -> dict[str | None, Engine]:
    return dict(db.engines)


def _cross_town_bind() -> str | None:
    """Statements of cross-town work (``all_tenants_context``) go to the ops bind when configured."""
    return OPS_BIND if all_tenants_active() else None


bind_choosers.append(_cross_town_bind)


def _key() -> bytes:
    """The proof key, read once per process through the ops role (the app role cannot read it)."""
    cached = current_app.extensions.get(_KEY_CACHE)
    if cached is not None:
        return bytes(cached)
    engine = _engines().get(OPS_BIND)
    if engine is None:
        raise RlsKeyUnavailable("PostgreSQL needs OPS_DATABASE_URL (a role with BYPASSRLS for cross-town work); "
                                "see the README's production set-up")
    with engine.connect() as connection:
        key = connection.execute(text(f"SELECT key FROM {PRIVATE_SCHEMA}.rls_key")).scalar()
    if key is None:
        raise RlsKeyUnavailable("no row-level security key stored; run `flask db upgrade heads`")
    current_app.extensions[_KEY_CACHE] = bytes(key)
    return bytes(key)


def _apply(connection: Connection) -> None:
    if connection.dialect.name != "postgresql" or connection.engine is _engines().get(OPS_BIND):
        return
    tenant = current_tenant_or_none()
    proof = tenant_proof(_key(), tenant.id) if tenant is not None and not all_tenants_active() else ""
    connection.execute(_SET_TENANT, {"proof": proof})


@event.listens_for(Session, "after_begin")
def _set_tenant_on_begin(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    _apply(connection)


def apply_to_current_session() -> None:
    """Re-apply the town when it changes while a transaction is already open."""
    from flask import has_app_context

    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction():
        # The app's own connection: cross-town statements go to the ops bind, which needs no town.
        _apply(session.connection(bind_arguments={"bind": db.engine}))


# --------------------------------------------------------------------------- for migrations


# The town is read in a scalar subquery, which PostgreSQL evaluates once per statement (an
# InitPlan) instead of calling the function for every row; the comparison with tenant_id is then a
# plain parameter comparison that indexes on (tenant_id, ...) serve.
POLICY_CONDITION = f"(tenant_id = (SELECT {TENANT_FUNCTION}()))"
# The policies before revision 0015 (before the proof): the app's settings, read once per statement.
# Tables created before 0015 get them, migration 0014 sets them and the downgrade of 0015 restores them.
SETTINGS_POLICY_CONDITION = (
    "((SELECT current_setting('amtsweg.all_tenants', true)) = 'on' OR "
    "tenant_id = (SELECT NULLIF(current_setting('amtsweg.tenant_id', true), '')::integer))"
)


def policy_sql(table: str, condition: str = POLICY_CONDITION) -> list[str]:
    """Statements that switch on row-level security for one tenant-owned table."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {table} USING {condition} WITH CHECK {condition}",
    ]


def ensure_proof_function(op: Any) -> None:
    """Create the private key (once, random) and the function the policies call; idempotent."""
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {PRIVATE_SCHEMA}")
    op.execute(f"REVOKE ALL ON SCHEMA {PRIVATE_SCHEMA} FROM PUBLIC")
    op.execute(
        f"CREATE TABLE IF NOT EXISTS {PRIVATE_SCHEMA}.rls_key (key bytea NOT NULL, inner_pad bytea NOT NULL, "
        "outer_pad bytea NOT NULL)"
    )
    key = secrets.token_bytes(32)
    inner, outer = _pads(key)
    op.get_bind().execute(
        text(f"INSERT INTO {PRIVATE_SCHEMA}.rls_key (key, inner_pad, outer_pad) SELECT :key, :inner, :outer "
             f"WHERE NOT EXISTS (SELECT 1 FROM {PRIVATE_SCHEMA}.rls_key)"),
        {"key": key, "inner": inner, "outer": outer},
    )
    op.execute(_FUNCTION_SQL)


def enable_rls(op: Any, table: str) -> None:
    """For migrations: switch on row-level security for ``table`` (PostgreSQL only), in the form the
    schema's other policies have at this revision: the proven town once 0015 has created its function,
    the app's settings before (so the data steps of 0011 and 0014 still see every town's rows)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    proven = bind.execute(text(f"SELECT to_regprocedure('{TENANT_FUNCTION}()') IS NOT NULL")).scalar()
    for statement in policy_sql(table, POLICY_CONDITION if proven else SETTINGS_POLICY_CONDITION):
        op.execute(statement)


def set_all_policies(op: Any, condition: str) -> None:
    """For migrations: every tenant_isolation policy of the schema (PostgreSQL) gets ``condition``."""
    tables = op.get_bind().execute(
        text("SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = :name "
             "ORDER BY tablename"),
        {"name": POLICY_NAME},
    ).scalars().all()
    for table in tables:
        op.execute(f"ALTER POLICY {POLICY_NAME} ON {table} USING {condition} WITH CHECK {condition}")


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
