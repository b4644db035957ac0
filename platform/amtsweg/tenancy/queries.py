"""Reading the towns table (cross-town: used by scheduled jobs that work town by town)."""

from __future__ import annotations

from sqlalchemy import select

from amtsweg.extensions import db
from amtsweg.tenancy.context import all_tenants_context
from amtsweg.tenancy.models import Tenant, TenantInfo


def active_towns() -> list[TenantInfo]:
    """Every active town, for jobs that then run ``with tenant_context(town)`` one by one."""
    with all_tenants_context():
        towns = [town.info() for town in db.session.scalars(select(Tenant).where(Tenant.active.is_(True)))]
        # End the cross-town read so each town's work starts a transaction with its own setting.
        db.session.rollback()
    return towns
