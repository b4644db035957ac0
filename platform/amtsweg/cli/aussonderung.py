"""``flask aussonderung offer|import|hand-off|delete|status``: the xdomea Aussonderung of a town.

Messages for the archive are written to ``ARCHIVE_DIR/<town>/``; the archive's answers are
imported from files. Each command works on one town (``--town``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from amtsweg.archive import aussonderung as cycle
from amtsweg.archive.models import STATE_LABELS, Aussonderung
from amtsweg.archive.services import ACTOR, archive_dir
from amtsweg.clock import in_town_time, today_in_germany
from amtsweg.extensions import db
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.models import TenantInfo
from amtsweg.tenancy.queries import active_towns

ACTOR_CLI = "flask aussonderung"
town_option = click.option("--town", "slug", required=True, help="The town (slug).")
today_option = click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                            help="As of this day (YYYY-MM-DD); default: today in Germany.")


@click.group(cls=AppGroup)
def aussonderung() -> None:
    """The Aussonderung with the archive (xdomea 0501–0507)."""


def _town(slug: str) -> TenantInfo:
    town = next((town for town in active_towns() if town.slug == slug), None)
    if town is None:
        raise click.UsageError(f"no active town '{slug}'")
    return town


def _refused(error: cycle.MessageRefused) -> click.ClickException:
    """The refusal with each problem on its own line (nothing was changed)."""
    return click.ClickException("\n".join([error.message, *(f"  - {problem}" for problem in error.problems)]))


@aussonderung.command("offer")
@town_option
@today_option
def offer_command(slug: str, day: datetime | None) -> None:
    """Offer everything whose retention ended to the archive (writes the 0501)."""
    with tenant_context(_town(slug)):
        started = cycle.offer(day.date() if day else today_in_germany(), ACTOR_CLI)
        if started is None:
            click.echo(f"{slug}: nothing is due for the archive")
            return
        click.echo(f"{slug}: Aussonderung {started.process_id} offers {len(started.objects)} Vorgänge")
        for item in started.objects:
            click.echo(f"  {item.aktenzeichen} (hint {item.hint})")
        click.echo(f"0501 written to {archive_dir() / started.offer_file}")


@aussonderung.command("import")
@town_option
@click.argument("message", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(slug: str, message: Path) -> None:
    """Import an answer of the archive (0502, 0504, 0506 or 0507)."""
    with tenant_context(_town(slug)):
        try:
            imported = cycle.import_message(message.read_bytes(), ACTOR_CLI)
        except cycle.MessageRefused as exc:
            db.session.rollback()
            raise _refused(exc) from exc
        click.echo(f"{slug}: {imported.code} imported; Aussonderung {imported.aussonderung.process_id} is now "
                   f"„{STATE_LABELS[imported.aussonderung.state]}“")
        if imported.answer is not None:
            click.echo(f"receipt 0505 written to {imported.answer}")


@aussonderung.command("hand-off")
@town_option
@click.argument("process_id")
def hand_off_command(slug: str, process_id: str) -> None:
    """Hand the objects the archive assessed A over (writes the 0503 with their files)."""
    with tenant_context(_town(slug)):
        found = cycle.find(process_id)
        if found is None:
            raise click.ClickException(f"{slug} has no Aussonderung {process_id}")
        try:
            done = cycle.hand_off(found, ACTOR_CLI)
        except cycle.MessageRefused as exc:
            db.session.rollback()
            raise _refused(exc) from exc
        click.echo(f"0503 written to {archive_dir() / (done.package_file or '')} ({done.package_size} bytes)")


@aussonderung.command("delete")
@town_option
@today_option
def delete_command(slug: str, day: datetime | None) -> None:
    """Delete what the archive assessed V or confirmed as imported; exits with 1 if one failed."""
    with tenant_context(_town(slug)):
        report = cycle.dispose(day.date() if day else today_in_germany(), ACTOR)
    for aktenzeichen in report.deleted:
        click.echo(f"{slug} {aktenzeichen}: deleted")
    for aktenzeichen, reason in report.kept:
        click.echo(f"{slug} {aktenzeichen}: kept ({reason})")
    for aktenzeichen, error in report.failed:
        click.echo(f"{slug} {aktenzeichen}: FAILED {error}", err=True)
    for process_id in report.completed:
        click.echo(f"{slug}: Aussonderung {process_id} is complete")
    if report.failed:
        raise SystemExit(1)


@aussonderung.command("status")
@town_option
def status_command(slug: str) -> None:
    """List the town's Aussonderungen with their state."""
    with tenant_context(_town(slug)):
        for found in db.session.scalars(select(Aussonderung).order_by(Aussonderung.id)):
            counts: dict[str, int] = {}
            for item in found.objects:
                counts[item.state] = counts.get(item.state, 0) + 1
            summary = ", ".join(f"{state}: {count}" for state, count in sorted(counts.items()))
            offered_on = in_town_time(found.offered_at).date()
            click.echo(f"{found.process_id} {offered_on:%Y-%m-%d} „{STATE_LABELS[found.state]}“ ({summary})")
