"""Adding a field type is one module, its template and its test: the German vehicle registration
number of ``kennzeichen.py`` (with ``templates/forms/fields/kfz_kennzeichen.html``) is used by a
process, rendered, validated in German and English and shown on the review page, while no file of
the form engine knows it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from amtsweg.forms.validation import validate_answers
from amtsweg.processes.loader import load_library
from amtsweg.processes.sample_answers import valid_answers
from amtsweg.processes.services import set_enabled, sync_library
from amtsweg.tenancy import tenant_context
from cases.applying import csrf_of, send_step, start
from conftest import app_and_copy, tenant_info, town_client
from forms.kennzeichen import KennzeichenField
from playwright.sync_api import expect

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"
SLUG = "fahrzeug-melden"
PLATE = {"id": "kennzeichen", "type": "kfz_kennzeichen", "required": True,
         "label": {"de": "Kfz-Kennzeichen", "en": "Registration number"}}
DEFINITION = {
    "slug": SLUG,
    "kind": "digital",
    "category": "sicherheit-ordnung",
    "aktenplan": "1.5.2",
    "title": {"de": "Fahrzeug melden", "en": "Report a vehicle"},
    "summary": {"de": "Ein abgestelltes Fahrzeug melden.", "en": "Report a parked vehicle."},
    "legal_basis": [{"title": "§ 1 Probegesetz"}],
    "processing_days": 5,
    "retention": {"years": 1, "after": "closed", "disposal": "delete"},
    "workflow": "standard",
    "form": {"steps": [{"id": "fahrzeug", "title": {"de": "Fahrzeug", "en": "Vehicle"}, "fields": [
        PLATE,
        # Conditions on typed numbers and dates, which the page's script converts as the server does.
        {"id": "tage", "type": "number", "label": {"de": "Seit wie vielen Tagen?", "en": "For how many days?"}},
        {"id": "lange", "type": "info", "text": {"de": "Schon lange.", "en": "A long time."},
         "show_if": {">": [{"var": "tage"}, 2]}},
        {"id": "gesehen", "type": "date", "label": {"de": "Zuerst gesehen am", "en": "First seen on"}},
        {"id": "neu", "type": "info", "text": {"de": "Seit diesem Jahrtausend.", "en": "This millennium."},
         "show_if": {">=": [{"var": "gesehen"}, "2000-01-01"]}},
    ]}]},
}


def _library(root: Path, definition: dict, *, whole: bool = True) -> Path:
    """A copy of the shared library (or only its workflows, templates and LeiKa list) plus the
    process with the new field type."""
    shutil.copytree(LIBRARY, root, ignore=None if whole else lambda folder, names: [
        name for name in names if folder == str(LIBRARY) and not name.startswith("_")])
    folder = root / SLUG
    folder.mkdir()
    (folder / "process.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def migrated_database(migrated_database: Path | str, tmp_path_factory: pytest.TempPathFactory,
                      request: pytest.FixtureRequest) -> Iterator[Path | str]:
    """The test database with the process that uses the new field type, offered by Usingen."""
    folder = tmp_path_factory.mktemp("kennzeichen-db")
    with app_and_copy(migrated_database, folder, request) as (app, copy):
        with app.app_context():
            sync_library(_library(folder / "library", DEFINITION))
            with tenant_context(tenant_info(app, "usingen")):
                set_enabled(SLUG, True, "test")
        yield copy.as_template(app)


def _plate_step(app, language: str = "de"):
    client = town_client(app, "usingen")
    if language != "de":
        client.get(f"/sprache/{language}")
    start(client, SLUG)
    return client


def test_a_definition_uses_the_registered_type_and_its_keys_are_checked(tmp_path):
    definition = load_library(_library(tmp_path / "valid", DEFINITION, whole=False)).processes[SLUG].definition
    field = definition.form.steps[0].fields[0]
    assert isinstance(field, KennzeichenField)
    assert validate_answers(definition, valid_answers(definition)) == {}

    wrong = {**DEFINITION, "form": {"steps": [{**DEFINITION["form"]["steps"][0],
                                               "fields": [{**PLATE, "pattern": "^[A-Z]+$"}]}]}}
    errors = [(e.path, e.message) for e in load_library(_library(tmp_path / "wrong", wrong, whole=False)).errors]
    assert errors == [
        ("form.steps[0].fields[0].pattern", "key 'pattern' is not allowed for field type 'kfz_kennzeichen'"),
    ]


def test_the_step_shows_the_types_own_input(app):
    client = _plate_step(app)
    html = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert '<label class="kern-label" for="feld-kennzeichen">Kfz-Kennzeichen</label>' in html
    assert '<div class="kern-hint" id="feld-kennzeichen-hinweis">Zum Beispiel HG-AB 123</div>' in html
    assert 'autocapitalize="characters"' in html and 'data-plate="kfz"' in html and 'data-answer="upper"' in html


@pytest.mark.parametrize(("language", "message"), [
    ("de", "Kfz-Kennzeichen: Bitte geben Sie ein Kfz-Kennzeichen wie HG-AB 123 ein."),
    ("en", "Registration number: Please enter a vehicle registration number such as HG-AB 123."),
])
def test_a_wrong_registration_number_is_refused_in_the_pages_language(app, language, message):
    client = _plate_step(app, language)
    response = send_step(client, 1, {"kennzeichen": "123-ABC"}, slug=SLUG)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a class="kern-link" href="#feld-kennzeichen">{message}</a>' in html
    assert 'value="123-ABC"' in html and 'aria-invalid="true"' in html


@pytest.mark.browser
def test_the_pages_script_converts_typed_numbers_and_dates_like_the_server(app, live, page):
    page.goto(live.town_url("usingen", f"/antrag/{SLUG}/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Antrag starten").click()
    long_ago, this_millennium = page.get_by_text("Schon lange."), page.get_by_text("Seit diesem Jahrtausend.")
    # The page's script shows and hides on input events; on a busy machine it answers a moment later.
    expect(long_ago).to_be_hidden()
    expect(this_millennium).to_be_hidden()
    page.fill("#feld-tage", "2,5")
    page.fill("#feld-gesehen", "17.05.2021")
    expect(long_ago).to_be_visible()
    expect(this_millennium).to_be_visible()
    page.fill("#feld-tage", "1,5")
    page.fill("#feld-gesehen", "17.05.1999")
    expect(long_ago).to_be_hidden()
    expect(this_millennium).to_be_hidden()


def test_a_registration_number_is_stored_normalised_and_shown_on_the_review_page(app):
    client = _plate_step(app)
    assert send_step(client, 1, {"kennzeichen": "hg ab123"}, slug=SLUG).status_code == 302
    review = client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    assert "<dt class=\"kern-description-list-item__key\">Kfz-Kennzeichen</dt>" in review
    assert ">HG-AB 123</dd>" in review
    assert csrf_of(review)
