"""Operator commands (``flask …``)."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from amtsweg.cli.archive import archive
    from amtsweg.cli.aussonderung import aussonderung
    from amtsweg.cli.demo import demo
    from amtsweg.cli.documents import documents
    from amtsweg.cli.jobs import jobs
    from amtsweg.cli.payments import payments
    from amtsweg.cli.processes import processes
    from amtsweg.cli.saml import saml
    from amtsweg.cli.tenants import tenants

    app.cli.add_command(tenants)
    app.cli.add_command(processes)
    app.cli.add_command(jobs)
    app.cli.add_command(demo)
    app.cli.add_command(archive)
    app.cli.add_command(aussonderung)
    app.cli.add_command(documents)
    app.cli.add_command(payments)
    app.cli.add_command(saml)
