"""``flask demo seed``: demo cases and contracts for development (never in production)."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from amtsweg.demo import seed_town
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from amtsweg.tenancy.models import Tenant

# Who to log in as with the development login, and with which of its roles.
LOGINS = (
    ("Sachbearbeitung", "clerk"),
    ("Teamleitung", "team_lead"),
    ("Verwaltung der Kommune", "tenant_admin, contracts_editor"),
)


@click.group(cls=AppGroup)
def demo() -> None:
    """Demo data for development."""


@demo.command("seed")
@click.option("--port", type=int, default=5000, show_default=True, help="Port of the login addresses printed.")
def seed_command(port: int) -> None:
    """Create a few demo cases and contracts in every town; running it again changes nothing."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("demo data is never seeded in production")
    if current_app.config["MAIL_SMTP_HOST"]:
        # The demo's confirmation and decision mails must stay in the .eml folder.
        raise click.ClickException("an SMTP host is configured; demo data is only seeded with mails written as files")
    # WeasyPrint reports every step of every decision letter at INFO; the seed's summary is enough.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    towns = db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)).all()
    infos = [town.info() for town in towns]
    for tenant in infos:
        with tenant_context(tenant):
            report = seed_town()
        if report.created_anything:
            click.echo(f"demo data for {tenant.slug}: {len(report.cases)} case(s), "
                       f"{len(report.contracts)} contract(s), {report.history} earlier case(s) for the statistics")
        else:
            click.echo(f"demo data for {tenant.slug}: already there, nothing changed")
    base = current_app.config["BASE_DOMAIN"]
    click.echo("Log in with the development login (any user name, tick the roles):")
    if infos:
        click.echo(f"  town staff      http://{infos[0].slug}.{base}:{port}/anmelden/entwicklung (any town)")
    for label, roles in LOGINS:
        click.echo(f"    {label:24} roles: {roles}")
    click.echo(f"  platform admin  http://admin.{base}:{port}/anmelden/entwicklung   role: platform_admin")
