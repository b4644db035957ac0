"""``flask tenants sync|list``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from amtsweg.extensions import db
from amtsweg.payments.config import payment_problems
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.services import TenantConfigError, sync_tenants

# The tenant.toml sections that domain modules check.
SECTION_CHECKS = (payment_problems,)


@click.group(cls=AppGroup)
def tenants() -> None:
    """Member towns."""


@tenants.command("sync")
def sync_command() -> None:
    """Load tenants/<slug>/tenant.toml into the database (idempotent; all or nothing)."""
    try:
        report = sync_tenants(Path(current_app.config["TENANTS_DIR"]), checks=SECTION_CHECKS)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was changed") from exc
    for label, slugs in (
        ("created", report.created),
        ("updated", report.updated),
        ("deactivated", report.deactivated),
        ("unchanged", report.unchanged),
    ):
        if slugs:
            click.echo(f"{label}: {', '.join(slugs)}")


@tenants.command("list")
def list_command() -> None:
    """Show the towns in the database with their hosts."""
    base = current_app.config["BASE_DOMAIN"]
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.slug)):
        hosts = ", ".join([f"{tenant.slug}.{base}", *tenant.aliases])
        state = "active" if tenant.active else "inactive"
        click.echo(f"{tenant.slug:16} {tenant.reference_prefix:4} {state:8} {tenant.official_name} — {hosts}")


@tenants.command("urls")
@click.option("--port", type=int, default=5000, show_default=True)
def urls_command(port: int) -> None:
    """Print the address of every town (for the development server)."""
    base = current_app.config["BASE_DOMAIN"]
    click.echo("amtsweg is starting. The towns:")
    for tenant in db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)):
        click.echo(f"  {tenant.official_name:32} http://{tenant.slug}.{base}:{port}/")
    click.echo(f"  {'Member list':32} http://{base}:{port}/")
    click.echo(f"  {'Cross-town admin':32} http://admin.{base}:{port}/")
