"""The operations page shows stored documents found missing or altered and each town's Aussonderung —
by Aktenzeichen, never by a file name — in German and English, accessible in a real browser."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from amtsweg.archive import aussonderung as cycle
from amtsweg.archive import services
from amtsweg.archive.models import Aussonderung
from amtsweg.documents.integrity import verify
from amtsweg.documents.models import IntegrityFinding
from amtsweg.extensions import db
from casefiles import documents_of, in_town, make_case
from conftest import host_client
from flask import Flask
from sqlalchemy import update
from support.browser import axe_violations, describe_violations
from support.logins import login_as
from support.tables import data_table

OLD = datetime(2012, 5, 2, tzinfo=UTC)
# Half past eleven on a winter evening in UTC is already the next day in Germany (CET, UTC+1).
LATE_WINTER_EVENING = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)


@pytest.fixture
def app_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"ARCHIVE_DIR": str(tmp_path / "archive")}


def altered_document_and_offer(app: Flask) -> None:
    """Schmitten: a case whose document was altered on disk and which was offered to the archive."""
    reference = make_case(app, "schmitten", "fischereischein", status="closed", closed_at=OLD,
                          files={"Fischerprüfung Quast.pdf": b"%PDF-1.4\n%%EOF\n"})
    with in_town(app, "schmitten"):
        services.run_retention(date(2026, 1, 1))
        cycle.offer(date(2026, 1, 1), "test")
        key = documents_of(reference)[0].storage_key
    (Path(app.instance_path) / "documents" / key).write_bytes("verändert".encode())
    with in_town(app, "schmitten"):
        verify(0)


def test_betrieb_names_an_altered_document_by_its_aktenzeichen_and_shows_the_aussonderung(app: Flask) -> None:
    altered_document_and_offer(app)
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")

    html = admin.get("/betrieb").get_data(as_text=True)

    assert "Gespeicherte Dokumente" in html and "Inhalt weicht von der Prüfsumme ab" in html
    assert "1.4.5-2012/1" in html and "Version 1" in html
    assert "Fischerprüfung" not in html and "Quast" not in html
    assert "Aussonderung an die Archive" in html and "Hessisches Landesarchiv" in html and "angeboten" in html

    admin.get("/sprache/en?weiter=/betrieb")
    english = admin.get("/betrieb").get_data(as_text=True)
    assert "Stored documents" in english and "Content differs from its checksum" in english
    assert "offered" in english and "Archive transfers" in english


def test_betrieb_shows_the_finding_and_the_aussonderung_as_rows_under_their_column_headings(app: Flask) -> None:
    altered_document_and_offer(app)
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    html = admin.get("/betrieb").get_data(as_text=True)

    headers, [finding] = data_table(html, "Fehlende oder veränderte Dokumente")
    assert headers == ["Kommune", "Vorgang", "Dokument", "Befund", "Seit", "Zuletzt geprüft"]
    assert finding[0] == "Schmitten" and finding[1] == "1.4.5-2012/1" and finding[2].endswith("Version 1")
    assert finding[3] == "Inhalt weicht von der Prüfsumme ab"
    headers, [cycle] = data_table(html, "Aussonderungen der Kommunen")
    assert headers == ["Kommune", "Angeboten am", "Archiv", "Stand", "Vorgänge", "Prozess-ID"]
    assert cycle[0] == "Schmitten" and cycle[2:5] == ["Hessisches Landesarchiv", "angeboten", "1"]


def test_betrieb_shows_the_times_of_findings_and_offers_in_german_time_in_german_and_english(app: Flask) -> None:
    altered_document_and_offer(app)
    with in_town(app, "schmitten"):
        db.session.execute(update(IntegrityFinding)
                           .values(found_at=LATE_WINTER_EVENING, last_seen_at=LATE_WINTER_EVENING))
        db.session.execute(update(Aussonderung).values(offered_at=LATE_WINTER_EVENING))
        db.session.commit()
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")

    html = admin.get("/betrieb").get_data(as_text=True)
    _, [finding] = data_table(html, "Fehlende oder veränderte Dokumente")
    _, [offer] = data_table(html, "Aussonderungen der Kommunen")
    assert finding[4:6] == ["05.12.2026, 00:30 MEZ", "05.12.2026, 00:30 MEZ"]
    assert offer[1] == "05.12.2026"

    admin.get("/sprache/en?weiter=/betrieb")
    english = admin.get("/betrieb").get_data(as_text=True)
    _, [finding] = data_table(english, "Missing or altered documents")
    _, [offer] = data_table(english, "Archive transfers of the municipalities")
    assert finding[4:6] == ["5 Dec 2026, 00:30 CET", "5 Dec 2026, 00:30 CET"]
    assert offer[1] == "5 Dec 2026"
    assert "23:30" not in html + english


def test_betrieb_says_when_everything_is_intact(app: Flask) -> None:
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")

    html = admin.get("/betrieb").get_data(as_text=True)

    assert "Bei der letzten Prüfung waren alle geprüften Dokumente vollständig und unverändert." in html
    assert "Noch keine Aussonderung." in html


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_betrieb_with_findings_is_accessible_on_desktop_and_phone(app: Flask, live: Any, page: Any, width: int) -> None:
    altered_document_and_offer(app)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.url("admin.localhost", "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill("ikz-admin")
    page.get_by_label("Verwaltung des Verbunds").check()
    page.get_by_role("button", name="Anmelden").click()
    page.goto(live.url("admin.localhost", "/betrieb"))

    assert page.get_by_role("heading", name="Gespeicherte Dokumente").is_visible()
    inside = "selector => !!document.querySelector(selector)?.closest('main')"
    violations = [v for v in axe_violations(page)
                  if any(page.evaluate(inside, node["target"][0]) for node in v["nodes"])]
    assert violations == [], describe_violations(violations)
    # Wide tables scroll in their own box; the page itself never gets wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if os.environ.get("AMTSWEG_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["AMTSWEG_SCREENSHOTS"]) / f"betrieb-{width}.png"), full_page=True)
