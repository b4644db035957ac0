"""``flask payments check|reconcile``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from amtsweg.payments.config import town_payments
from amtsweg.payments.services import reconcile
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.queries import active_towns


@click.group(cls=AppGroup)
def payments() -> None:
    """Fees and payment."""


@payments.command("check")
def check_command() -> None:
    """Ask each town's payment providers whether its configuration works (XBezahldienste /status)."""
    broken = 0
    for town in sorted(active_towns(), key=lambda t: t.slug):
        settings = town_payments(town)
        for method in settings.methods:
            provider = settings.provider(method, town.slug)
            health = provider.health() if provider.available() else None
            state = "not connected" if health is None else "ok" if health.ok else "FAILING"
            broken += health is not None and not health.ok
            detail = "" if health is None else f" — {health.message}"
            click.echo(f"{town.slug:16} {method:16} {state}{detail}")
    if broken:
        raise click.ClickException(f"{broken} connection(s) failing")


@payments.command("reconcile")
def reconcile_command() -> None:
    """Ask the providers about every open online payment of every town now (the job does it every 10 minutes)."""
    for town in sorted(active_towns(), key=lambda t: t.slug):
        with tenant_context(town):
            result = reconcile()
        click.echo(f"{town.slug:16} {result.checked} checked, {result.changed} changed, "
                   f"{result.failed_checks} checks failed, {result.abandoned} starts abandoned")
