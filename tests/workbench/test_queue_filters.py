"""What a clerk sees in the queue: service names, status badges and counts, the compact filter bar,
sortable columns, overdue marks only on open cases, search by name words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from amtsweg.cases import queries
from lxml import html
from workbench.case_factory import make_case
from workbench.test_queue_and_case import clerk

PAST = date(2026, 1, 5)


def _page(client, query=""):
    response = client.get(f"/sachbearbeitung/{query}")
    assert response.status_code == 200
    return html.fromstring(response.get_data(as_text=True))


def _rows(tree):
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
            for row in tree.xpath("//table//tbody/tr")]


def test_the_service_column_shows_the_services_name_not_its_slug(app):
    make_case(app, "usingen")
    rows = _rows(_page(clerk(app)))
    assert rows[0][1] == "Hund zur Hundesteuer anmelden"
    english = clerk(app)
    english.get("/sprache/en")
    assert _rows(_page(english))[0][1] == "Register a dog for dog tax"


def test_the_service_filter_offers_the_towns_services_by_name(app):
    dog = make_case(app, "usingen", 1)
    other = make_case(app, "usingen", 2, process="anwohnerparkausweis")
    tree = _page(clerk(app))
    options = {o.text_content(): o.get("value") for o in tree.xpath("//select[@id='leistung']/option")}
    assert options["Hund zur Hundesteuer anmelden"] == "hundesteuer-anmelden"
    assert options["Alle Leistungen"] == ""
    chosen = _page(clerk(app), "?leistung=hundesteuer-anmelden")
    references = [row[0] for row in _rows(chosen)]
    assert references == [dog] and other not in references
    selected = chosen.xpath("//select[@id='leistung']/option[@selected]")[0]
    assert selected.text_content() == "Hund zur Hundesteuer anmelden"


def test_only_open_cases_past_their_due_date_are_marked_overdue(app):
    for number, status in enumerate(("in_progress", "approved", "rejected", "closed"), start=1):
        make_case(app, "usingen", number, status=status, due_date=PAST)
    rows = {row[0]: row for row in _rows(_page(clerk(app)))}
    assert "überfällig" in rows["US-2026-000001"][-1]
    for number in (2, 3, 4):
        assert "überfällig" not in rows[f"US-2026-{number:06d}"][-1]
        assert rows[f"US-2026-{number:06d}"][-1] == "05.01.2026"


def test_statuses_are_badges_and_the_counts_link_to_their_filter(app):
    make_case(app, "usingen", 1, status="approved")
    make_case(app, "usingen", 2, status="rejected")
    make_case(app, "usingen", 3)
    tree = _page(clerk(app))
    badges = {b.text_content(): b.get("class") for b in tree.xpath("//td/span[contains(@class, 'status-badge')]")}
    assert "kern-badge--success" in badges["Genehmigt"] and "kern-badge--danger" in badges["Abgelehnt"]
    counts = {a.text_content(): a.get("href") for a in tree.xpath("//nav//a[@class='status-count']")}
    assert counts == {"Eingegangen: 1": "/sachbearbeitung/?status=submitted",
                      "Genehmigt: 1": "/sachbearbeitung/?status=approved",
                      "Abgelehnt: 1": "/sachbearbeitung/?status=rejected"}


def test_counts_stop_at_a_limit_instead_of_counting_every_case(app, monkeypatch):
    for number in range(1, 5):
        make_case(app, "usingen", number)
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)
    tree = _page(clerk(app))
    assert [a.text_content() for a in tree.xpath("//nav//a[@class='status-count']")] == ["Eingegangen: 3+"]


def test_the_filter_bar_is_one_row_of_kern_fields_with_the_rest_folded(app):
    make_case(app, "usingen")
    tree = _page(clerk(app))
    row = tree.xpath("//form[@role='search']/div[@class='queue-filter__row']")[0]
    labels = [label.text_content() for label in row.xpath(".//label")]
    assert labels == ["Aktenzeichen oder Name", "Status", "Leistung", "Zuständig"]
    for select in tree.xpath("//form[@role='search']//select"):
        assert select.getparent().get("class") == "kern-form-input__select-wrapper", select.get("id")
    folded = tree.xpath("//form[@role='search']/details")[0]
    assert folded.get("open") is None
    assert _page(clerk(app), "?ueberfaellig=1").xpath("//form[@role='search']/details")[0].get("open") is not None


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["US-2026-000003", "US-2026-000002", "US-2026-000001"]),
    ("?sortierung=aelteste", ["US-2026-000001", "US-2026-000002", "US-2026-000003"]),
    ("?sortierung=faelligkeit", ["US-2026-000002", "US-2026-000001", "US-2026-000003"]),
])
def test_columns_sort_the_queue_and_say_how(app, query, expected):
    make_case(app, "usingen", 1, due_date=PAST + timedelta(days=10))
    make_case(app, "usingen", 2, due_date=PAST)
    make_case(app, "usingen", 3)
    tree = _page(clerk(app), query)
    assert [row[0] for row in _rows(tree)] == expected
    sorted_by = tree.xpath("//th[@aria-sort]")
    assert len(sorted_by) == 1
    assert sorted_by[0].text_content().split()[0] == ("Fällig" if "faelligkeit" in query else "Eingang")
    links = [a.get("href") for a in tree.xpath("//th//a[@class='kern-link queue-sort']")]
    assert any("sortierung=faelligkeit" in link for link in links)


def test_the_due_date_order_pages_on_with_undated_cases_last(app, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    make_case(app, "usingen", 1, due_date=PAST + timedelta(days=3))
    make_case(app, "usingen", 2, due_date=PAST)
    make_case(app, "usingen", 3)
    make_case(app, "usingen", 4, due_date=PAST + timedelta(days=3))
    client = clerk(app)
    seen, query = [], "?sortierung=faelligkeit"
    while query:
        tree = _page(client, query)
        seen += [row[0] for row in _rows(tree)]
        more = tree.xpath("//a[text()='Weitere Vorgänge']/@href")
        query = more[0].removeprefix("/sachbearbeitung/") if more else ""
    assert seen == ["US-2026-000002", "US-2026-000001", "US-2026-000004", "US-2026-000003"]


def test_a_search_finds_cases_by_the_beginning_of_a_name_word(app):
    make_case(app, "usingen", 1, applicant_name="Uta Usinger")
    make_case(app, "usingen", 2, applicant_name="Karl Kranich")
    make_case(app, "schmitten", 3, applicant_name="Uta Schmittener")
    rows = _rows(_page(clerk(app), "?suche=usin"))
    assert [row[2] for row in rows] == ["Uta Usinger"]
    assert [row[2] for row in _rows(_page(clerk(app), "?suche=uta"))] == ["Uta Usinger"]
