"""``flask jobs status`` and ``flask jobs sweep`` in the embedded set-up."""

from __future__ import annotations

from amtsweg.extensions import db
from amtsweg.notifications import services
from amtsweg.tenancy.context import tenant_context
from conftest import tenant_info
from flask import Flask


def test_status_and_sweep_report_the_outbox(app: Flask) -> None:
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        services.queue_mail(to="a@example.org", template="test_mail", context={})
        db.session.commit()
    runner = app.test_cli_runner()

    status = runner.invoke(args=["jobs", "status"])
    sweep = runner.invoke(args=["jobs", "sweep"])

    assert status.exit_code == 0, status.output
    assert "outbox: delivered 1" in status.output
    assert "REDIS_URL is not set" in status.output
    assert sweep.exit_code == 0 and "0 outbox message(s) due" in sweep.output


def test_test_mail_command_sends_through_the_outbox(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "test-mail", "--town", "schmitten", "--to", "it@example.org"])

    assert result.exit_code == 0, result.output
    from pathlib import Path

    [mail] = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert "Testnachricht" in mail.read_text()
