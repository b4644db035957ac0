"""The browser checks the size of a chosen file before the form is sent: a file over the field's
limit or files over the request's limit get the server's own message at the field, and nothing is
sent. Without JavaScript the server gives the same message at the field."""

from __future__ import annotations

import os

import pytest
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import func, select
from support.browser import axe_violations, describe_violations, visible_text

pytestmark = pytest.mark.browser
START = "/antrag/wohnsitz-anmelden/"
FIELD = "#feld-wohnungsgeberbestaetigung"
MB = 1024 * 1024
FILE_TOO_LARGE = "Die Datei ist zu groß. Eine Datei darf höchstens 10 MB groß sein."
REQUEST_TOO_LARGE = ("Die ausgewählten Dateien sind zusammen größer als 1 MB und wurden nicht gesendet. "
                     "Bitte laden Sie sie einzeln nacheinander hoch.")


def _pdf(folder, name: str, size: int):
    path = folder / name
    path.write_bytes(b"%PDF-1.4\n" + b"0" * (size - 16) + b"\n%%EOF\n")
    return path


def _first_step(page, live) -> list[str]:
    """Opens the form's first step; returns the list the page's POST requests are noted in."""
    page.goto(live.town_url("usingen", START))
    page.get_by_role("button", name="Antrag starten").click()
    page.wait_for_load_state()
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    return posts


def _stored_documents(app) -> int:
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        return db.session.scalar(select(func.count()).select_from(Document))


@pytest.mark.parametrize(("limit", "size", "message"), [
    (None, 10 * MB + 1, FILE_TOO_LARGE),
    (1 * MB, 2 * MB, REQUEST_TOO_LARGE),
], ids=["over-the-fields-limit", "over-the-requests-limit"])
def test_a_too_large_file_is_refused_at_its_field_before_anything_is_sent(app, live, page, tmp_path, limit, size,
                                                                          message):
    if limit:
        app.config["MAX_CONTENT_LENGTH"] = limit
    documents = _stored_documents(app)
    posts = _first_step(page, live)
    step = page.url

    page.set_input_files(FIELD, str(_pdf(tmp_path, "bestaetigung.pdf", size)))

    error = page.locator(f"{FIELD}-fehler")
    assert error.is_visible() and visible_text(error) == f"Fehler: {message}"
    assert page.locator(FIELD).get_attribute("aria-invalid") == "true"
    assert f"{FIELD[1:]}-fehler" in page.locator(FIELD).get_attribute("aria-describedby")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if os.environ.get("AMTSWEG_SCREENSHOTS"):
            page.screenshot(path=f"{os.environ['AMTSWEG_SCREENSHOTS']}/upload-limit-{limit or 'field'}-{width}.png",
                            full_page=True)
    page.locator("button.kern-btn--primary[value='weiter']").click()
    page.wait_for_timeout(500)
    assert posts == [] and page.url == step
    assert error.is_visible() and page.evaluate("document.activeElement.id") == FIELD[1:]
    assert _stored_documents(app) == documents

    # A file that fits takes the message away, and the form is sent.
    page.set_input_files(FIELD, str(_pdf(tmp_path, "klein.pdf", 2048)))
    assert page.locator(f"{FIELD}-fehler").count() == 0
    assert page.locator(FIELD).get_attribute("aria-invalid") is None
    with page.expect_navigation():
        page.locator("button.kern-btn--primary[value='weiter']").click()
    assert len(posts) == 1


@pytest.mark.parametrize("javascript", [False], ids=["ohne-javascript"])
def test_without_javascript_the_server_gives_the_same_message_at_the_field(app, live, page, tmp_path, javascript):
    _first_step(page, live)
    page.set_input_files(FIELD, str(_pdf(tmp_path, "bestaetigung.pdf", 10 * MB + 1)))
    page.locator("button.kern-btn--primary[value='weiter']").click()
    page.wait_for_load_state()
    assert visible_text(page.locator(f"{FIELD}-fehler")) == f"Fehler: {FILE_TOO_LARGE}"
