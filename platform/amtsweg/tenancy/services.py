"""State changes of towns: syncing ``tenants/`` into the database (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from amtsweg.extensions import db
from amtsweg.tenancy.config import ConfigProblem, load_all
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.resolution import directory


class TenantConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def sync_tenants(tenants_dir: Path) -> SyncReport:
    """Bring the Tenant table in line with the folders (and the towns' Aktenplan); all or nothing.

    A town whose folder disappeared is deactivated, never deleted (its cases must stay).
    """
    configs, problems = load_all(tenants_dir, Path(current_app.config["PROCESSES_DIR"]))
    if problems:
        raise TenantConfigError(problems)
    report = SyncReport()
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
        tenant.settings = config.settings()
        tenant.config_hash = digest
        tenant.active = True
    for tenant in existing.values():
        if tenant.active:
            tenant.active = False
            report.deactivated.append(tenant.slug)
    db.session.commit()
    directory.invalidate()
    return report
