"""The app's request log never holds a secret token of a path (status link, resume link, calendar
address, import preview), whether the token is valid or not; other paths are logged as they are."""

from __future__ import annotations

import json
import logging

import pytest
from amtsweg.logging import JsonFormatter, loggable_path
from conftest import town_client

TOKEN = "Zq3vN8yHc1wT0eXmK5dR2aPuL7sB4jGf9hQ6nVxCoIE"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/vorgang/{TOKEN}", "/vorgang/***"),
        (f"/vorgang/{TOKEN}/dokumente/3", "/vorgang/***/dokumente/3"),
        (f"/antrag/hundesteuer-anmelden/fortsetzen/{TOKEN}", "/antrag/hundesteuer-anmelden/fortsetzen/***"),
        (f"/sachbearbeitung/vertraege/kalender/{TOKEN}.ics", "/sachbearbeitung/vertraege/kalender/***"),
        (f"/sachbearbeitung/vertraege/import/{TOKEN}", "/sachbearbeitung/vertraege/import/***"),
        ("/sachbearbeitung/vorgang/US-2026-000001", "/sachbearbeitung/vorgang/US-2026-000001"),
        ("/leistungen/hundesteuer-anmelden", "/leistungen/hundesteuer-anmelden"),
    ],
)
def test_loggable_paths_mask_only_secret_segments(path, logged):
    assert loggable_path(path) == logged


def test_the_json_request_log_of_a_status_page_holds_no_token(app, caplog):
    caplog.set_level(logging.INFO, logger="amtsweg.request")
    client = town_client(app, "usingen")
    for path in (f"/vorgang/{TOKEN}", f"/vorgang/{TOKEN}/dokumente/99999999999",
                 f"/antrag/hundesteuer-anmelden/fortsetzen/{TOKEN}"):
        assert client.get(path).status_code == 404
    records = [record for record in caplog.records if record.name == "amtsweg.request"]
    lines = [JsonFormatter().format(record) for record in records]
    assert len(lines) == 3 and TOKEN not in "".join(lines)
    assert [json.loads(line)["path"] for line in lines] == [
        "/vorgang/***", "/vorgang/***/dokumente/99999999999", "/antrag/hundesteuer-anmelden/fortsetzen/***"
    ]
