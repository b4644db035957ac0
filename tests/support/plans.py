"""Query plans on PostgreSQL as the app's role (row-level security), for tests that keep an index in use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from amtsweg.tenancy.models import TenantInfo
from sqlalchemy import event


def plans_of(app: Any, town: TenantInfo, run: Callable[[], object], table: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of each statement that reads ``table`` while ``run()`` runs in ``town``, by its
    SQL, exactly as the app sent it (with the ORM's town filter and its parameters)."""
    captured: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((sql, parameters))

    with app.app_context(), tenant_context(town):
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            run()
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        connection = db.session.connection()
        return {sql: "\n".join(connection.exec_driver_sql(f"EXPLAIN ANALYZE {sql}", parameters).scalars())
                for sql, parameters in captured if f"FROM {table}" in sql}
