"""``flask archive run``: the retention run on demand, for one town or all, optionally dry."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from amtsweg.archive.services import run_retention
from amtsweg.clock import today_in_germany
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.queries import active_towns


@click.group("archive", help="Retention: archive closed cases (zdA) and destroy them when their retention ended "
                               "(the archive's share: flask aussonderung).")
def archive() -> None:
    pass


@archive.command("run")
@click.option("--town", "slug", default=None, help="Only this town (slug); default: every active town.")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this day (YYYY-MM-DD); default: today in Germany.")
@click.option("--dry-run", is_flag=True, help="Only show what is due; change nothing.")
@with_appcontext
def run(slug: str | None, day: datetime | None, dry_run: bool) -> None:
    """Archive and destroy the cases that are due; exits with 1 if a case failed."""
    today = day.date() if day else today_in_germany()
    towns = [town for town in active_towns() if slug in (None, town.slug)]
    if not towns:
        raise click.UsageError(f"no active town '{slug}'")
    failures = 0
    for town in towns:
        with tenant_context(town):
            report = run_retention(today, dry_run=dry_run)
        for item in report.done:
            click.echo(f"{town.slug} {item.reference}: {'due: ' if dry_run else ''}{', '.join(item.steps)}")
        for reference in report.for_archive:
            click.echo(f"{town.slug} {reference}: retention ended, for the archive (flask aussonderung offer)")
        for reference in report.held:
            click.echo(f"{town.slug} {reference}: retention ended, kept under legal hold")
        for reference, error in report.failed:
            click.echo(f"{town.slug} {reference}: FAILED {error}", err=True)
        failures += len(report.failed)
        click.echo(f"{town.slug}: {len(report.done)} cases {'due' if dry_run else 'processed'}, "
                   f"{len(report.failed)} failed")
    if failures:
        raise SystemExit(1)
