"""In a real browser: a clerk creates a contract with a document in one town and finds it by search;
the same search in another town finds nothing. The pages have no axe (WCAG 2.1 AA) violations."""

from __future__ import annotations

import pytest
from contract_support import PDF
from support.browser import axe_violations, describe_violations

pytestmark = pytest.mark.browser


def _login(page, live, slug: str, username: str) -> None:
    page.goto(live.town_url(slug, "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Verträge bearbeiten").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


def _assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def _search(page, live, slug: str, text: str) -> None:
    page.goto(live.town_url(slug, "/sachbearbeitung/vertraege/"))
    page.get_by_label("Suche (Titel, Partner, Gegenstand, Nummer, Schlagwörter, Notizen)").fill(text)
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_load_state()


def test_a_contract_with_a_document_is_found_by_search_in_its_town_only(live, browser_context, tmp_path):
    page = browser_context.new_page()
    _login(page, live, "usingen", "vertrag-u")

    page.goto(live.town_url("usingen", "/sachbearbeitung/vertraege/neu"))
    _assert_accessible(page)
    page.get_by_label("Titel").fill("Wartung Feuerwehrfahrzeuge")
    page.get_by_label("Vertragsart").select_option(label="Wartung")
    page.get_by_label("Vertragspartner").fill("Fahrzeugtechnik Jäger GmbH")
    page.get_by_label("Beginn").fill("2025-01-01")
    page.get_by_label("Mindestlaufzeit").fill("24 Monate")
    page.get_by_label("Kündigungsfrist").fill("3 Monate zum Jahresende")
    page.get_by_label("Automatische Verlängerung um").fill("12 Monate")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    assert "Wartung Feuerwehrfahrzeuge" in page.locator("h1").inner_text()

    document = tmp_path / "wartungsvertrag.pdf"
    document.write_bytes(PDF)
    page.get_by_label("Bezeichnung").fill("Vertragstext")
    page.get_by_label("Datei").set_input_files(str(document))
    page.get_by_role("button", name="Dokument hochladen").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="wartungsvertrag.pdf").count() == 1
    _assert_accessible(page)

    _search(page, live, "usingen", "JAEGER")
    assert page.get_by_role("link", name="V-").count() == 1
    assert page.get_by_text("Wartung Feuerwehrfahrzeuge").count() == 1
    _assert_accessible(page)

    other = browser_context.new_page()
    _login(other, live, "glashuetten", "vertrag-g")
    _search(other, live, "glashuetten", "JAEGER")
    assert other.get_by_text("Keine Verträge gefunden.").count() == 1
    assert other.get_by_text("Wartung Feuerwehrfahrzeuge").count() == 0
