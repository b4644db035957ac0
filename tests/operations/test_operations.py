"""Health, metrics, request ids and structured logs, the operator page /betrieb."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.logging import JsonFormatter
from amtsweg.notifications import services
from amtsweg.notifications.models import OutboxMessage
from amtsweg.tenancy.context import tenant_context
from conftest import host_client, tenant_info, town_client
from flask import Flask
from sqlalchemy import select
from support.logins import csrf_token_of, login_as
from support.tables import data_table

CONTEXT = {
    "reference": "SC-2026-000001",
    "process_title": "Hallenbelegung",
    "status_url": "http://x/vorgang/t",
    "submitted_on": "24.11.2026",
    "fee": "",
}


def add_outbox_route(app: Flask) -> None:
    """A request that writes an outbox row in its transaction, as a citizen's submission does."""

    @app.route("/test-outbox")
    def write_outbox() -> str:
        message = services.queue_mail(to="a@example.org", template="eingangsbestaetigung", context=CONTEXT)
        db.session.commit()
        return str(message.id)


def test_metrics_count_requests_by_url_rule_and_show_the_outbox(app: Flask) -> None:
    add_outbox_route(app)
    town_client(app, "schmitten").get("/test-outbox")
    town_client(app, "schmitten").get("/leistungen-gibt-es-nicht-123")

    response = host_client(app, "10.0.0.1").get("/metrics")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'amtsweg_http_requests_total{method="GET",route="/test-outbox",status="200"}' in body
    assert 'route="(unmatched)",status="404"' in body
    assert "leistungen-gibt-es-nicht-123" not in body
    assert 'amtsweg_outbox_messages{status="delivered"}' in body


def test_metrics_with_a_token_need_the_bearer_token(app: Flask) -> None:
    app.config["METRICS_TOKEN"] = "s3cret-token"
    client = host_client(app, "localhost")

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_request_id_is_taken_from_the_proxy_or_generated(app: Flask) -> None:
    client = town_client(app, "usingen")

    assert client.get("/", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers["X-Request-ID"]
    assert len(generated) == 32 and "<" not in generated


def test_json_log_line_carries_request_id_and_town(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="amtsweg.request")
    town_client(app, "usingen").get("/", headers={"X-Request-ID": "req-42"})

    [record] = [r for r in caplog.records if r.name == "amtsweg.request"]
    # The app's handler has added the request's context to the record while the request ran.
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["tenant"] == "usingen"
    assert line["route"] == "/" and line["status"] == 200 and line["method"] == "GET"
    assert line["message"] == "GET / 200"


def test_inline_job_runs_after_the_commit_of_the_request(app: Flask) -> None:
    add_outbox_route(app)

    response = town_client(app, "usingen").get("/test-outbox")

    assert response.status_code == 200
    assert len(list((Path(app.instance_path) / "mail").glob("*.eml"))) == 1


def test_failing_inline_delivery_does_not_break_the_request(app: Flask, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config["MAIL_DIR"] = str(blocker)
    add_outbox_route(app)

    response = town_client(app, "usingen").get("/test-outbox")

    assert response.status_code == 200
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.status == "pending" and row.last_error


def failed_mail(app: Flask, tmp_path: Path) -> int:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config.update(MAIL_DIR=str(blocker), OUTBOX_MAX_ATTEMPTS=1)
    with app.app_context(), tenant_context(tenant_info(app, "glashuetten")):
        message = services.queue_mail(to="b@example.org", template="eingangsbestaetigung", context=CONTEXT)
        db.session.commit()
        message_id = message.id
    app.config.update(MAIL_DIR=str(tmp_path / "mail-ok"))
    return message_id


def test_betrieb_lists_failed_mails_and_retries_them(app: Flask, tmp_path: Path) -> None:
    message_id = failed_mail(app, tmp_path)
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")

    page = admin.get("/betrieb")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Glashütten" in html and "fehlgeschlagen" in html and "FileExistsError" in html
    response = admin.post(f"/betrieb/mails/{message_id}/erneut-senden", data={"csrf_token": csrf_token_of(html)})
    assert response.status_code == 302
    assert len(list((tmp_path / "mail-ok").glob("*.eml"))) == 1
    assert "Alle Mails sind zugestellt." in admin.get("/betrieb").get_data(as_text=True)


def test_betrieb_shows_a_failed_mail_as_a_row_under_its_column_headings(app: Flask, tmp_path: Path) -> None:
    message_id = failed_mail(app, tmp_path)
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")

    headers, rows = data_table(admin.get("/betrieb").get_data(as_text=True), "Nicht zugestellte Mails")

    assert headers == ["Nr.", "Kommune", "Vorlage", "Status", "Versuche", "Letzter Fehler", "Aktion"]
    [row] = rows
    assert row[:5] == [str(message_id), "Glashütten", "eingangsbestaetigung", "fehlgeschlagen", "1"]
    assert "FileExistsError" in row[5] and row[6] == f"Erneut senden (Mail {message_id})"


def test_betrieb_retry_without_csrf_token_is_refused(app: Flask, tmp_path: Path) -> None:
    message_id = failed_mail(app, tmp_path)
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")

    assert admin.post(f"/betrieb/mails/{message_id}/erneut-senden").status_code == 400
    assert list((tmp_path / "mail-ok").glob("*.eml")) == []


def test_betrieb_is_not_found_on_a_town_host_and_needs_a_login_on_the_admin_host(app: Flask) -> None:
    town = town_client(app, "usingen")
    login_as(town, "clerk", "tenant_admin")

    assert town.get("/betrieb").status_code == 404
    assert host_client(app, "admin.localhost").get("/betrieb").status_code == 302


def test_healthz_reuses_its_redis_connection(tmp_path: Path, make_app, redis_server) -> None:
    # A database number of its own tells this app's connections apart from the session's workers.
    app = make_app(tmp_path, REDIS_URL=redis_server.url.rsplit("/", 1)[0] + "/7")
    client = app.test_client()
    probe = redis_server.client()
    seen = set()
    for _ in range(5):
        response = client.get("/healthz")
        assert response.get_json()["checks"]["redis"] == "ok"
        seen |= {entry["id"] for entry in probe.client_list() if entry["db"] == "7"}
    assert len(seen) == 1
