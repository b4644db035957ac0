"""Reference numbers per town and year (``NA-2026-000123``): gap-free and unique under concurrency.

The counter row is incremented with ``UPDATE … RETURNING`` inside the submission's transaction:
on PostgreSQL the row lock makes concurrent submissions of one town wait for each other, on SQLite
the write lock does. A rolled-back submission rolls its increment back too, so no number is lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from amtsweg.cases.models import ReferenceCounter
from amtsweg.clock import TOWN_TIME
from amtsweg.extensions import db
from amtsweg.tenancy import current_tenant


def current_year() -> int:
    """The year in Germany, which reference numbers count in."""
    return datetime.now(TOWN_TIME).year


def format_reference(prefix: str, year: int, number: int) -> str:
    """A reference number such as ``NA-2026-000123``."""
    return f"{prefix}-{year}-{number:06d}"


def parse_reference(reference: str) -> tuple[str, int, int]:
    """The town prefix, year and number of a reference (the inverse of :func:`format_reference`)."""
    prefix, year, number = reference.rsplit("-", 2)
    return prefix, int(year), int(number)


def next_reference(year: int | None = None) -> str:
    """The next reference number of the current town (call inside the transaction that uses it)."""
    tenant = current_tenant()
    year = year or current_year()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(ReferenceCounter)
        .values(tenant_id=tenant.id, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "year"])
    )
    number = db.session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    ).scalar_one()
    return format_reference(tenant.reference_prefix, year, number)
