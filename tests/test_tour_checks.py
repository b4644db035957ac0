"""The page tour's checks find what they are for, on small pages and PDFs made to show it."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tour.checks import PAGE_CHECKS, PDF_CHECKS, PageView, read_page, read_pdf
from tour.language import wrong_language


@pytest.mark.parametrize(("text", "expected"), [
    ("Bitte füllen Sie dieses Feld aus.", "en"),
    ("Please fill in this field.", "de"),
    ("Your application has been received.", "de"),
    ("Ihr Antrag ist bei uns eingegangen und wird bearbeitet.", "en"),
    ("Speichern", "en"),
    ("Cancel", "de"),
])
def test_text_in_the_other_language_is_found(text, expected):
    assert wrong_language(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Bitte füllen Sie dieses Feld aus.", "de"),
    ("Please fill in this field.", "en"),
    ("Status", "de"),
    ("Online", "en"),
    ("US-2026-000123", "en"),
    ("Hund zur Hundesteuer anmelden", "de"),
    ("Bürgerbüro Usingen, Wilhelmjstraße 1", "en"),
    ("Am Hohlen Weg 4a", "en"),
])
def test_text_in_the_page_language_names_and_numbers_are_no_finding(text, expected):
    assert not wrong_language(text, expected)


def test_names_and_typed_in_data_are_left_out_of_the_language_check():
    authority = "Magistrat der Stadt Usingen"
    assert wrong_language(f"Published by {authority} und der Kreis", "en")
    assert not wrong_language(f"Published by {authority}", "en", ignored=[authority])


@pytest.fixture
def view_of(chromium):
    """A PageView of ``html`` loaded in a fresh page (``language``, ``width`` as visited)."""
    pages = []

    def make(html: str, language: str = "de", width: int = 1280, status: int = 200) -> PageView:
        page = chromium.new_page(viewport={"width": width, "height": 800})
        pages.append(page)
        page.set_content(html)
        html_lang, blocks = read_page(page)
        return PageView("probe", language, width, status, 200, page, blocks, html_lang)

    yield make
    for page in pages:
        page.close()


def found(check: str, view: Any) -> list[str]:
    return list(PAGE_CHECKS[check].run(view))


DOC = '<!doctype html><html lang="{lang}"><head><title>Seite</title></head><body><main>{body}</main></body></html>'


def page(body: str, lang: str = "de") -> str:
    return DOC.format(lang=lang, body=body)


@pytest.mark.browser
def test_an_empty_description_value_is_found_with_its_term(view_of):
    view = view_of(page("<dl><dt>Name</dt><dd>Erika</dd><dt>Anschrift</dt><dd> </dd></dl>"))
    assert found("empty-value", view) == ["empty <dd> after “Anschrift”"]


@pytest.mark.browser
@pytest.mark.parametrize("leak", ["{'de': 'Gebühr', 'en': 'Fee'}", "Zuständig: None", "Dokumente: []",
                                  "<function label at 0x7f>", "<Case object at 0x7f3a2b>"])
def test_python_values_on_a_page_are_found(view_of, leak):
    from html import escape

    assert found("python-repr", view_of(page(f"<p>{escape(leak)}</p>")))


@pytest.mark.browser
def test_unrendered_template_syntax_and_utc_times_are_found(view_of):
    view = view_of(page("<p>Hallo {{ name }}</p><p>{% if x %}</p><p>Eingang: 04:39 UTC</p>"))
    assert len(found("template-syntax", view)) == 2
    assert found("utc-time", view) == ["Eingang: 04:39 UTC"]


@pytest.mark.browser
def test_an_untranslated_message_is_found_but_not_text_marked_as_the_other_language(view_of):
    view = view_of(page('<p>Your application was received.</p><p class="kern-error">Bitte füllen Sie dieses Feld '
                        'aus.</p><a lang="de" href="/sprache/de">Deutsch – Zurück zur deutschen Seite</a>', "en"),
                   language="en")
    assert found("language", view) == ["<p> Bitte füllen Sie dieses Feld aus."]


@pytest.mark.browser
def test_a_page_whose_document_language_is_not_the_visited_one_is_found(view_of):
    assert found("language", view_of(page("<p>Antrag</p>", "de"), language="en"))[0].startswith('<html lang="de">')


@pytest.mark.browser
def test_hidden_text_and_typed_in_values_are_not_read(view_of):
    view = view_of(page('<p hidden>Please wait</p><textarea>{{ raw }} the and of</textarea><pre>{% x %}</pre>'))
    assert found("language", view) == [] and found("template-syntax", view) == []


@pytest.mark.browser
def test_a_broken_image_is_found(view_of):
    view = view_of(page('<img src="data:image/png;base64,kaputt" alt="Logo">'))
    assert found("broken-image", view)


@pytest.mark.browser
def test_overflow_is_found_on_a_phone_only(view_of):
    wide = page('<table id="liste"><tr><td style="min-width:900px">Spalte</td></tr></table>')
    assert found("overflow", view_of(wide, width=390))[0].startswith("page is ")
    assert "table#liste" in found("overflow", view_of(wide, width=390))[0]
    assert not PAGE_CHECKS["overflow"].applies(view_of(wide, width=1280))


@pytest.mark.browser
def test_accessibility_violations_are_found(view_of):
    assert any(excerpt.startswith("label:") for excerpt in found("axe", view_of(page('<input type="text">'))))


def test_server_errors_and_unexpected_statuses_are_found():
    view = PageView("probe", "de", 1280, 500, 200, None, [], "de")
    assert found("status", view) == ["HTTP 500"]
    view.status = 403
    assert found("status", view) == ["HTTP 403, expected 200"]
    view.status = 200
    assert found("status", view) == []


def _pdf(html: str, **options: Any) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf(**options)


def test_a_pdf_is_checked_for_reprs_template_syntax_and_tags():
    untagged = read_pdf("brief", "de", _pdf("<p>Gebühr: {'de': 'Gebühr je Hund'}</p><p>{{ name }}</p>"))
    assert next(iter(PDF_CHECKS["python-repr"].run(untagged))).startswith("page 1:")
    assert list(PDF_CHECKS["template-syntax"].run(untagged))
    assert list(PDF_CHECKS["untagged-pdf"].run(untagged)) == ["not tagged: no /StructTreeRoot and no /MarkInfo"]
    tagged = read_pdf("brief", "de", _pdf('<html lang="de"><p>Gebühr: 50,00 €</p></html>', pdf_tags=True))
    assert [list(check.run(tagged)) for check in PDF_CHECKS.values()] == [[], [], [], []]


def test_the_tour_refuses_translations_compiled_before_their_last_change(tmp_path):
    from tour.server import stale_catalogues

    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po, mo = folder / "messages.po", folder / "messages.mo"
    po.write_text('msgid "Schritt"\nmsgstr "Step"\n')
    assert stale_catalogues(tmp_path) == [po]
    mo.write_bytes(b"compiled")
    os.utime(po, (1_000, 1_000))
    assert stale_catalogues(tmp_path) == []
    os.utime(mo, (500, 500))
    assert stale_catalogues(tmp_path) == [po]
