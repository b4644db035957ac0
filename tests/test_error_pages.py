"""Error pages: every HTTP error keeps its status on a branded, logged page; numbers too large for a
database column are a 404; a failed database statement still gets the error page with its headers."""

from __future__ import annotations

import logging
import re

import pytest
from amtsweg.cases.models import Case, CaseMessage
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import csrf_of, fill_all_steps, submit
from conftest import host_client, tenant_info, town_client
from contracts.contract_support import create_contract, usingen_editor
from flask import abort
from sqlalchemy import select, text
from support.logins import login_as

BASE = "/sachbearbeitung/vertraege"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _branded(response, status: int, title: str) -> None:
    page = _text(response)
    assert response.status_code == status
    assert f"Fehlercode: {status}" in page and title in page
    assert "kern" in page  # the town's layout, not a bare server page


def test_a_reply_from_a_second_tab_after_withdrawing_is_a_409_page_and_logged(app, caplog):
    client = town_client(app, "schmitten")
    fill_all_steps(client)
    link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', _text(client.get(submit(client).headers["Location"])))
    link = link.group(1)
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.scalars(select(Case)).one()
        db.session.add(CaseMessage(case_id=case.id, author="clerk", kind="information_request", body="Impfpass?"))
        case.status = "waiting_for_citizen"
        db.session.commit()
    second_tab = _text(client.get(link))
    withdraw_page = _text(client.get(link + "/zurueckziehen"))
    assert client.post(link + "/zurueckziehen", data={"csrf_token": csrf_of(withdraw_page)}).status_code == 302
    caplog.set_level(logging.INFO, logger="amtsweg")
    response = client.post(link + "/antworten", data={"csrf_token": csrf_of(second_tab), "nachricht": "Noch etwas"})
    _branded(response, 409, "Nicht mehr möglich")
    assert "Bitte laden Sie die Seite neu" in _text(response)
    assert any("409" in record.getMessage() and record.name == "amtsweg.errors" for record in caplog.records)


def test_a_multi_range_request_for_a_download_is_a_416_page(client_for):
    editor = usingen_editor(client_for)
    create_contract(editor)
    response = editor.get(f"{BASE}/export.csv", headers={"Range": "bytes=0-1,3-4"})
    _branded(response, 416, "Bereich nicht verfügbar")
    assert re.fullmatch(r"bytes \*/\d+", response.headers["Content-Range"])


@pytest.mark.parametrize(
    ("status", "title"),
    [(410, "Nicht mehr vorhanden"), (429, "Zu viele Anfragen"), (418, "Anfrage nicht möglich"),
     (503, "Vorübergehend nicht erreichbar"), (501, "Interner Fehler")],
)
def test_other_http_errors_keep_their_status_on_a_branded_page(app, status, title, caplog):
    app.add_url_rule("/fehler-test", "fehler_test", lambda: abort(status))
    caplog.set_level(logging.INFO, logger="amtsweg")
    response = town_client(app, "usingen").get("/fehler-test")
    _branded(response, status, title)
    assert response.headers["X-Request-ID"] and response.headers["Content-Security-Policy"]
    assert any(str(status) in record.getMessage() for record in caplog.records if record.name == "amtsweg.errors")


def test_the_429_page_is_english_for_english_visitors(app):
    app.add_url_rule("/fehler-test", "fehler_test", lambda: abort(429))
    client = town_client(app, "usingen")
    client.get("/sprache/en")
    response = client.get("/fehler-test")
    assert response.status_code == 429 and "Too many requests" in _text(response)


def test_a_405_keeps_its_allow_header(app):
    response = town_client(app, "usingen").delete("/")
    _branded(response, 405, "Nicht erlaubt")
    assert "GET" in response.headers["Allow"]


HUGE = [str(2**31), str(2**63), "9" * 40]


@pytest.mark.parametrize("number", HUGE)
def test_ids_too_large_for_a_column_are_a_404(client_for, number):
    editor = usingen_editor(client_for)
    contract_id = create_contract(editor)
    for path in (f"{BASE}/{number}", f"{BASE}/{number}/bearbeiten", f"{BASE}/{contract_id}/dokumente/{number}",
                 f"/antrag/hundesteuer-anmelden/schritt/{number}", f"/vorgang/abc/dokumente/{number}"):
        assert editor.get(path).status_code == 404, path


@pytest.mark.parametrize("number", HUGE)
def test_version_numbers_too_large_in_the_library_diff_are_a_404(app, number):
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    slug = "hundesteuer-anmelden"
    response = admin.get(f"/bibliothek/{slug}/unterschied", query_string={"von": number, "zu": number})
    assert response.status_code == 404


@pytest.mark.postgres
@pytest.mark.parametrize("number", HUGE)
def test_ids_too_large_for_a_column_are_a_404_on_postgresql(pg_app, number):
    editor = town_client(pg_app, "usingen")
    login_as(editor, "contracts_editor", username="vertrag-u")
    assert editor.get(f"{BASE}/{number}").status_code == 404
    admin = host_client(pg_app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    response = admin.get("/bibliothek/hundesteuer-anmelden/unterschied", query_string={"von": number, "zu": "1"})
    assert response.status_code == 404


@pytest.mark.postgres
def test_after_a_database_error_the_500_page_renders_with_headers_and_request_id(pg_app, caplog):
    def broken() -> str:
        db.session.execute(text("SELECT 1 / 0"))
        return "unreachable"

    pg_app.add_url_rule("/kaputt", "kaputt", broken)
    client = town_client(pg_app, "usingen")
    login_as(client, "clerk", username="sb-u")
    caplog.set_level(logging.INFO, logger="amtsweg")
    response = client.get("/kaputt", headers={"X-Request-ID": "fehler-123"})
    _branded(response, 500, "Interner Fehler")
    assert "Abmelden (sb-u)" in _text(response)  # the page still knows who is logged in
    assert response.headers["X-Request-ID"] == "fehler-123"
    assert response.headers["Content-Security-Policy"] and response.headers["X-Frame-Options"] == "DENY"
    assert any(record.levelno == logging.ERROR and record.exc_info for record in caplog.records)
