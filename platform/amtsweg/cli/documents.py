"""``flask documents verify|sweep``: integrity of the stored documents."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from amtsweg.documents.integrity import sweep, verify
from amtsweg.documents.tasks import sweep_staging
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.models import TenantInfo
from amtsweg.tenancy.queries import active_towns


@click.group(cls=AppGroup)
def documents() -> None:
    """Stored documents: re-hash them, remove orphaned objects."""


def _towns(slug: str | None) -> list[TenantInfo]:
    towns = [town for town in active_towns() if slug in (None, town.slug)]
    if not towns:
        raise click.UsageError(f"no active town '{slug}'")
    return towns


@documents.command("verify")
@click.option("--town", "slug", default=None, help="Only this town (slug); default: every active town.")
@click.option("--sample", type=int, default=None,
              help="Re-hash this many versions per town at random; default: DOCUMENTS_VERIFY_SAMPLE.")
@click.option("--all", "everything", is_flag=True, help="Re-hash every stored version.")
def verify_command(slug: str | None, sample: int | None, everything: bool) -> None:
    """Re-hash stored documents; exits with 1 if one is missing or altered."""
    size = 0 if everything else (sample if sample is not None else current_app.config["DOCUMENTS_VERIFY_SAMPLE"])
    problems = 0
    for town in _towns(slug):
        with tenant_context(town):
            report = verify(size)
        for key, problem in report.problems:
            click.echo(f"{town.slug} {key}: {problem}", err=True)
        problems += len(report.problems)
        click.echo(f"{town.slug}: {report.checked} versions checked, {len(report.problems)} problems, "
                   f"{report.resolved} resolved")
    if problems:
        raise SystemExit(1)


@documents.command("sweep")
@click.option("--town", "slug", default=None, help="Only this town (slug); default: every active town.")
@click.option("--grace-hours", type=int, default=None,
              help="Only objects older than this; default: DOCUMENTS_ORPHAN_GRACE_HOURS.")
def sweep_command(slug: str | None, grace_hours: int | None) -> None:
    """Remove stored objects no document points to; finish or remove stale staging files."""
    grace = timedelta(hours=grace_hours if grace_hours is not None else
                      current_app.config["DOCUMENTS_ORPHAN_GRACE_HOURS"])
    for town in _towns(slug):
        with tenant_context(town):
            report = sweep(grace)
        for key in report.removed:
            click.echo(f"{town.slug} {key}: removed")
        for key in report.refused:
            click.echo(f"{town.slug} {key}: kept by the store (object lock)")
    moved, removed = sweep_staging()
    click.echo(f"staging files moved into storage: {moved}, removed: {removed}")
