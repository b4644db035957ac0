"""Read-only queries of the Aussonderung."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from amtsweg.archive.models import Aussonderung
from amtsweg.extensions import db
from amtsweg.tenancy.context import all_tenants_context


def cycles_in_all_towns(limit: int = 100) -> list[Aussonderung]:
    """Every town's Aussonderungen with their objects, newest first (platform admin)."""
    with all_tenants_context():
        return list(db.session.scalars(
            select(Aussonderung).options(selectinload(Aussonderung.objects))
            .order_by(Aussonderung.offered_at.desc()).limit(limit)
        ))
