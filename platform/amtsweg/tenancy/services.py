"""State changes of towns: syncing ``tenants/`` into the database (one transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, insert, or_, select

from amtsweg.errors import DomainError
from amtsweg.extensions import db
from amtsweg.tenancy.config import SectionCheck, load_all
from amtsweg.tenancy.models import Tenant, TenantAlias
from amtsweg.tenancy.resolution import directory


class TenantConfigError(DomainError):
    """A town folder has problems (listed); nothing was synced."""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def sync_tenants(tenants_dir: Path, checks: Iterable[SectionCheck] = ()) -> SyncReport:
    """Bring the Tenant table in line with the folders (and the towns' Aktenplan); all or nothing.
    ``checks`` validate the sections that domain modules own (see ``load_all``).

    A town whose folder disappeared is deactivated, never deleted (its cases must stay).
    """
    configs, problems = load_all(tenants_dir, checks, processes_dir=Path(current_app.config["PROCESSES_DIR"]))
    if problems:
        raise TenantConfigError(problems=problems)
    report = SyncReport()
    changed: list[Tenant] = []
    existing = {t.slug: t for t in db.session.scalars(select(Tenant)).all()}
    for config in configs:
        digest = config.content_hash()
        tenant = existing.pop(config.slug, None)
        if tenant is None:
            tenant = Tenant(slug=config.slug)
            db.session.add(tenant)
            report.created.append(config.slug)
        elif tenant.config_hash == digest and tenant.active:
            report.unchanged.append(config.slug)
            continue
        else:
            report.updated.append(config.slug)
        tenant.name = config.name
        tenant.official_name = config.official_name
        tenant.reference_prefix = config.reference_prefix
        tenant.aliases = list(config.aliases)
        changed.append(tenant)
        tenant.settings = config.settings()
        tenant.config_hash = digest
        tenant.active = True
    for tenant in existing.values():
        if tenant.active:
            tenant.active = False
            report.deactivated.append(tenant.slug)
    _replace_aliases(changed)
    db.session.commit()
    directory.invalidate()
    return report


def _replace_aliases(towns: list[Tenant]) -> None:
    """The alias rows (what host resolution looks up) of the changed towns match their ``aliases``;
    an alias that moved from another town moves with it."""
    if not towns:
        return
    db.session.flush()
    rows = [{"host": alias, "tenant_id": town.id} for town in towns for alias in town.aliases]
    db.session.execute(delete(TenantAlias).where(or_(
        TenantAlias.tenant_id.in_([town.id for town in towns]), TenantAlias.host.in_([r["host"] for r in rows])
    )))
    if rows:
        db.session.execute(insert(TenantAlias), rows)
