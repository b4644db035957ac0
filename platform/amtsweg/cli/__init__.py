"""Operator commands (``flask …``)."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from amtsweg.cli.tenants import tenants

    app.cli.add_command(tenants)
