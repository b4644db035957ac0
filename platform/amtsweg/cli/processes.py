"""``flask processes validate|sync``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from amtsweg.errors import Problem
from amtsweg.processes.loader import load_library
from amtsweg.processes.services import ProcessLibraryError, filing_problems, offer_problems, sync_library
from amtsweg.tenancy.config import load_all


@click.group(cls=AppGroup)
def processes() -> None:
    """The shared process library."""


def _echo_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)


@processes.command("validate")
def validate_command() -> None:
    """Check every definition in shared_processes/ and the towns' [processes] settings."""
    library = load_library(Path(current_app.config["PROCESSES_DIR"]))
    for slug, loaded in sorted(library.processes.items()):
        definition = loaded.definition
        click.echo(f"{slug:45} {definition.kind:9} {definition.category}")
    configs, _ = load_all(
        Path(current_app.config["TENANTS_DIR"]), processes_dir=Path(current_app.config["PROCESSES_DIR"])
    )
    problems = list(library.errors)
    for config in configs:
        problems += offer_problems(config.slug, config.processes, library)
        problems += filing_problems(config.slug, config.settings()["aktenplan"], library)
    kinds = [loaded.definition.kind for loaded in library.processes.values()]
    click.echo(f"{kinds.count('digital')} digital, {kinds.count('external')} external, {len(problems)} error(s)")
    if problems:
        _echo_problems(problems)
        sys.exit(1)


@processes.command("sync")
def sync_command() -> None:
    """Store changed definitions as new versions and seed missing town enablement (all or nothing)."""
    try:
        report = sync_library(Path(current_app.config["PROCESSES_DIR"]))
    except ProcessLibraryError as exc:
        _echo_problems(exc.problems)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was changed") from exc
    for label, slugs in (("created", report.created), ("updated", report.updated)):
        if slugs:
            click.echo(f"{label}: {', '.join(slugs)}")
    click.echo(f"unchanged: {len(report.unchanged)}")
    for slug in report.conflicts:
        click.echo(f"warning: {slug}: changed in the folder and published in the editor since the last sync; "
                   "the published version stays current. Copy its source from the admin editor into the folder "
                   "or publish the folder's version in the editor.", err=True)
    for town, slugs in sorted(report.seeded.items()):
        click.echo(f"enablement seeded from tenant.toml for {town}: {len(slugs)} process(es)")
