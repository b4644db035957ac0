"""The outbox: queue_mail writes a row in the caller's transaction; delivery happens after commit."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.notifications import services, tasks
from amtsweg.notifications.mail import MailTemplateMissing
from amtsweg.notifications.models import DELIVERED, FAILED, PENDING, OutboxMessage
from amtsweg.tenancy.context import tenant_context
from conftest import tenant_info
from flask import Flask
from sqlalchemy import select

CONTEXT = {
    "reference": "US-2026-000001",
    "process_title": "Hallenbelegung",
    "status_url": "http://x/vorgang/abc",
    "submitted_on": "24.11.2026",
    "fee": "",
}


def eml_files(app: Flask) -> list[Path]:
    return sorted((Path(app.instance_path) / "mail").glob("*.eml"))


def all_rows(app: Flask, slug: str) -> list[OutboxMessage]:
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def queue_in_transaction(app: Flask, slug: str, *, commit: bool = True, **kwargs: object) -> None:
    """What a service does: a change and its mail in one transaction, committed by the caller."""
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        services.queue_mail(
            to=str(kwargs.get("to", "buerger@example.org")),
            template=str(kwargs.get("template", "eingangsbestaetigung")),
            context=CONTEXT,
            locale=str(kwargs.get("locale", "de")),
            dedupe_key=kwargs.get("dedupe_key"),  # type: ignore[arg-type]
        )
        if commit:
            db.session.commit()
        else:
            db.session.rollback()


def test_committed_mail_is_written_as_eml_with_the_towns_sender(app: Flask) -> None:
    queue_in_transaction(app, "usingen")

    [file] = eml_files(app)
    message = message_from_bytes(file.read_bytes(), policy=policy.default)
    assert message["From"] == "Digitales Rathaus Usingen <noreply@usingen.example>"
    assert message["Subject"] == "Eingangsbestätigung: Ihr Antrag US-2026-000001"
    assert "Hallenbelegung" in message.get_body(("plain",)).get_content()
    assert "<strong>US-2026-000001</strong>" in message.get_body(("html",)).get_content()
    [row] = all_rows(app, "usingen")
    assert row.status == DELIVERED and row.attempts == 1
    assert row.message_id == message["Message-ID"]


def test_a_delivered_mail_keeps_no_secret_link_in_the_database(app: Flask) -> None:
    queue_in_transaction(app, "usingen")

    [file] = eml_files(app)
    assert "http://x/vorgang/abc" in file.read_text(encoding="utf-8")
    [row] = all_rows(app, "usingen")
    assert row.status == DELIVERED
    assert "status_url" not in row.payload["context"]
    assert row.payload["context"]["reference"] == "US-2026-000001"


def test_rolled_back_transaction_sends_nothing(app: Flask) -> None:
    queue_in_transaction(app, "usingen", commit=False)

    assert eml_files(app) == []
    assert all_rows(app, "usingen") == []


def test_english_mail_uses_the_english_template(app: Flask) -> None:
    queue_in_transaction(app, "schmitten", locale="en")

    [file] = eml_files(app)
    message = message_from_bytes(file.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Confirmation of receipt: your application US-2026-000001"
    assert message["Content-Language"] == "en"


def test_same_dedupe_key_queues_one_mail(app: Flask) -> None:
    queue_in_transaction(app, "usingen", dedupe_key="case-1-submitted")
    queue_in_transaction(app, "usingen", dedupe_key="case-1-submitted")

    assert len(eml_files(app)) == 1
    assert len(all_rows(app, "usingen")) == 1


def test_outbox_rows_are_invisible_to_another_town(app: Flask) -> None:
    queue_in_transaction(app, "usingen")

    assert all_rows(app, "glashuetten") == []


def test_unknown_template_is_refused_when_queueing(app: Flask) -> None:
    with pytest.raises(MailTemplateMissing):
        queue_in_transaction(app, "usingen", template="does_not_exist")


def test_failed_delivery_stays_pending_and_the_sweeper_delivers_it_later(app: Flask, tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the mail folder should be")
    app.config["MAIL_DIR"] = str(blocker)

    queue_in_transaction(app, "usingen")  # the inline delivery fails, the request would succeed

    [row] = all_rows(app, "usingen")
    assert row.status == PENDING and row.attempts == 1 and "Error" in (row.last_error or "")
    app.config["MAIL_DIR"] = str(tmp_path / "mail-later")
    with app.app_context():
        assert tasks.sweep(now=row.next_attempt_at) == 1
    assert len(list((tmp_path / "mail-later").glob("*.eml"))) == 1
    [row] = all_rows(app, "usingen")
    assert row.status == DELIVERED and row.attempts == 2


def test_delivery_gives_up_after_the_maximum_attempts(app: Flask, tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("x")
    app.config.update(MAIL_DIR=str(blocker), OUTBOX_MAX_ATTEMPTS=1)

    queue_in_transaction(app, "usingen")

    [row] = all_rows(app, "usingen")
    assert row.status == FAILED


def test_delivering_a_delivered_row_again_sends_nothing(app: Flask) -> None:
    queue_in_transaction(app, "usingen")
    [row] = all_rows(app, "usingen")

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert tasks.deliver(row.id) == "skipped"
    assert len(eml_files(app)) == 1


def test_an_html_mail_shows_the_towns_logo_as_a_png_sent_inside_the_mail_with_alt_text(app: Flask) -> None:
    queue_in_transaction(app, "usingen")
    [row] = all_rows(app, "usingen")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        tasks.deliver(row.id)
    [eml] = eml_files(app)
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    assert '<img src="cid:logo-usingen@amtsweg" alt="Logo Usingen"' in html and ".svg" not in html
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<logo-usingen@amtsweg>"
    assert image.get_content_disposition() == "inline"
    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # 96 × 96 pixels: sharp at the 48 px it is shown at on high-density screens.
    assert int.from_bytes(png[16:20], "big") == 96 and int.from_bytes(png[20:24], "big") == 96
