"""The town's start page offers the services most used in the last 90 days and the areas to browse."""

from __future__ import annotations

from datetime import timedelta

from amtsweg.cases.models import Case
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import SLUG, fill_all_steps, submit
from conftest import tenant_info, town_client
from sqlalchemy import event, update


def _section(html: str, heading_id: str) -> str:
    start = html.find(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)] if start >= 0 else ""


def _apply(app, slug: str = "usingen") -> None:
    client = town_client(app, slug)
    fill_all_steps(client)
    assert submit(client).status_code == 302


def test_the_start_page_lists_a_service_applied_for_among_the_most_used(app):
    _apply(app)
    most_used = _section(town_client(app, "usingen").get("/").get_data(as_text=True), "haeufig-titel")
    assert "Häufig genutzt" in most_used
    assert f'href="/leistungen/{SLUG}"' in most_used and "Hund zur Hundesteuer anmelden" in most_used


def test_another_towns_cases_do_not_count_on_a_towns_start_page(app):
    _apply(app, "usingen")
    page = town_client(app, "neu-anspach").get("/").get_data(as_text=True)
    assert f'href="/leistungen/{SLUG}"' not in _section(page, "haeufig-titel")


def test_cases_older_than_90_days_do_not_count(app):
    _apply(app)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.execute(update(Case).values(submitted_at=utcnow() - timedelta(days=91)))
        db.session.commit()
    page = town_client(app, "usingen").get("/").get_data(as_text=True)
    assert f'href="/leistungen/{SLUG}"' not in _section(page, "haeufig-titel")


def test_the_start_page_offers_the_areas_in_english_on_an_english_page(app):
    client = town_client(app, "usingen")
    client.get("/sprache/en?weiter=/")
    areas = _section(client.get("/").get_data(as_text=True), "bereiche-titel")
    assert "Services by area" in areas and "/leistungen?bereich=" in areas


def test_the_most_used_services_are_counted_once_per_town_not_on_every_view(app):
    _apply(app)
    counts: list[str] = []

    def grab(conn, cursor, sql, parameters, context, executemany):
        if "GROUP BY case_file.process_slug" in sql:
            counts.append(sql)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            pages = [town_client(app, "usingen").get("/").get_data(as_text=True) for _ in range(3)]
            other = town_client(app, "neu-anspach").get("/").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
    assert len(counts) == 2  # once for Usingen, once for Neu-Anspach
    assert all(f'href="/leistungen/{SLUG}"' in _section(page, "haeufig-titel") for page in pages)
    assert f'href="/leistungen/{SLUG}"' not in _section(other, "haeufig-titel")
