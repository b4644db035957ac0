"""What a citizen sees on the form's pages: error summaries that name each field, messages in the
page's language, country fields as a list, group items titled by their item label (issue 11)."""

from __future__ import annotations

import io
import re

from amtsweg.cases.models import Draft
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import DOG, PERSON, SLUG, fill_all_steps, send_step, start, submit
from conftest import tenant_info, town_client
from pypdf import PdfReader
from sqlalchemy import select

LOST = "fundsache-verlust-melden"
LOSER = {"vorname": "Erika", "familienname": "Mustermann", "anschrift.street": "Rue de Rivoli",
         "anschrift.house_number": "1", "anschrift.postal_code": "75001", "anschrift.city": "Paris",
         "email": "erika@example.org"}


def _summary(html: str) -> list[tuple[str, str]]:
    """(link target, text) of every entry of the page's error summary."""
    box = html[html.index('id="fehlerliste"'):]
    box = box[:box.index("</ul>")]
    return re.findall(r'<a class="kern-link" href="#([^"]+)">([^<]+)</a>', box)


def test_the_error_summary_names_each_field_and_links_to_it(app):
    client = town_client(app, "usingen")
    start(client)
    page = send_step(client, 1, {"anschrift.street": "Marktplatz"}).get_data(as_text=True)
    assert _summary(page) == [
        ("feld-vorname", "Vorname: Bitte füllen Sie dieses Feld aus."),
        ("feld-nachname", "Nachname: Bitte füllen Sie dieses Feld aus."),
        ("feld-geburtsdatum", "Geburtsdatum: Bitte füllen Sie dieses Feld aus."),
        ("feld-anschrift-house-number",
         "Anschrift (Haushalt, in dem der Hund lebt) – Hausnummer: Bitte geben Sie die Hausnummer an."),
        ("feld-anschrift-postal-code",
         "Anschrift (Haushalt, in dem der Hund lebt) – Postleitzahl: Bitte geben Sie die Postleitzahl an."),
        ("feld-anschrift-city", "Anschrift (Haushalt, in dem der Hund lebt) – Ort: Bitte geben Sie den Ort an."),
        ("feld-email", "E-Mail-Adresse: Bitte füllen Sie dieses Feld aus."),
    ]
    send_step(client, 1, PERSON)
    dogs = send_step(client, 2, {"hunde.0.rasse": "Dackel"}).get_data(as_text=True)
    assert ("feld-hunde-0-name", "Hund 1 – Rufname des Hundes: Bitte füllen Sie dieses Feld aus.") in _summary(dogs)
    assert 'id="feld-hunde-0-name"' in dogs


def test_an_address_error_stands_below_its_legend(app):
    client = town_client(app, "usingen")
    start(client)
    page = send_step(client, 1, {}).get_data(as_text=True)
    assert ("feld-anschrift", "Anschrift (Haushalt, in dem der Hund lebt): Bitte füllen Sie dieses Feld aus.") \
        in _summary(page)
    block = page[page.index('id="feld-anschrift"'):]
    legend, rest = block.split("</legend>", 1)
    assert "Bitte füllen" not in legend
    # The message is the fieldset's first element after the legend and describes the fieldset.
    assert rest.lstrip().startswith('<p class="kern-error" id="feld-anschrift-fehler"><span class="kern-sr-only">')
    assert 'aria-describedby="feld-anschrift-fehler"' in page


def test_validation_messages_and_field_names_follow_the_pages_language(app):
    client = town_client(app, "usingen")
    client.get("/sprache/en")
    start(client)
    page = send_step(client, 1, {**PERSON, "geburtsdatum": "31.02.1980", "anschrift.postal_code": "612"})
    summary = _summary(page.get_data(as_text=True))
    assert summary == [
        ("feld-geburtsdatum", "Date of birth: Please enter a valid date (DD.MM.YYYY)."),
        ("feld-anschrift-postal-code",
         "Address (household where the dog lives) – Postcode: Please enter a five-digit postcode."),
    ]


def test_a_country_is_chosen_from_a_list_with_germany_first_and_preselected(app):
    client = town_client(app, "usingen")
    start(client, LOST)
    page = client.get(f"/antrag/{LOST}/schritt/1").get_data(as_text=True)
    select_html = page[page.index('<select class="kern-form-input__select" id="feld-anschrift-country"'):]
    select_html = select_html[:select_html.index("</select>")]
    options = re.findall(r'<option value="([A-Z]{2})"( selected)?>([^<]+)</option>', select_html)
    assert options[0] == ("DE", " selected", "Deutschland")
    assert [name for _, _, name in options[1:4]] == ["Afghanistan", "Ägypten", "Ålandinseln"]
    assert ("FR", "", "Frankreich") in options and len(options) > 240
    client.get("/sprache/en")
    english = client.get(f"/antrag/{LOST}/schritt/1").get_data(as_text=True)
    assert '<option value="DE" selected>Germany</option>' in english


def _draft_answers(app) -> dict:
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        return db.session.scalars(select(Draft)).one().answers


def test_a_country_given_by_name_is_accepted_and_kept_as_its_code(app):
    client = town_client(app, "usingen")
    start(client, LOST)
    assert send_step(client, 1, {**LOSER, "anschrift.country": "frankreich"}, slug=LOST).status_code == 302
    assert _draft_answers(app)["anschrift"]["country"] == "FR"
    again = client.get(f"/antrag/{LOST}/schritt/1").get_data(as_text=True)
    assert '<option value="FR" selected>Frankreich</option>' in again
    assert '<option value="DE" selected>' not in again
    page = send_step(client, 1, {**LOSER, "anschrift.country": "Atlantis"}, slug=LOST).get_data(as_text=True)
    assert ("feld-anschrift-country", "Anschrift – Land: Bitte wählen Sie ein Land aus.") in _summary(page)
    assert send_step(client, 1, {**LOSER, "anschrift.country": "Germany", "anschrift.postal_code": "61250"},
                     slug=LOST).status_code == 302
    assert _draft_answers(app)["anschrift"]["country"] == "DE"


def test_group_items_are_titled_by_the_item_label_on_the_review_page_and_in_the_receipt(app):
    client = town_client(app, "usingen")
    start(client)
    send_step(client, 1, PERSON)
    send_step(client, 2, DOG, action="hinzufuegen:hunde")
    second = {key.replace("hunde.0.", "hunde.1."): value for key, value in DOG.items()}
    send_step(client, 2, {**DOG, **second, "hunde.1.name": "Luna"})
    send_step(client, 3, {"versicherung": "richtig"})
    review = client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    titles = re.findall(r'<p class="kern-body application-answers__item"><strong>([^<]+)</strong>', review)
    assert titles == ["Hund 1", "Hund 2"] and "Eintrag" not in review
    confirmation = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    status_link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', confirmation).group(1)
    pdf = client.get(status_link + "/eingangsbestaetigung.pdf").data
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
    assert "Hund 1" in text and "Hund 2" in text and "Luna" in text and "Eintrag" not in text


def _step_indicator(html: str) -> list[tuple[bool, str]]:
    """(current, title) of each entry of the step indicator, in order."""
    box = html[html.index('class="application-steps"'):]
    box = box[:box.index("</ol>")]
    items = re.findall(r"<li ([^>]*)>(.*?)</li>", box, re.S)
    return [('aria-current="step"' in attributes, re.sub(r"<[^>]+>", "", text).strip()) for attributes, text in items]


def test_each_step_shows_all_step_titles_in_order_with_the_current_one_marked(app):
    client = town_client(app, "usingen")
    start(client)
    send_step(client, 1, PERSON)
    page = client.get(f"/antrag/{SLUG}/schritt/2").get_data(as_text=True)
    assert "Schritt 2 von 3" in page
    assert _step_indicator(page) == [(False, "Angaben zur Halterin oder zum Halter"), (True, "Angaben zu den Hunden"),
                                     (False, "Hinweise und Bestätigung"), (False, "Prüfen und absenden")]
    # The steps before are links back; the ones after are not yet.
    assert f'href="/antrag/{SLUG}/schritt/1"' in page.split('class="application-steps"')[1].split("</ol>")[0]
    assert f'href="/antrag/{SLUG}/schritt/3"' not in page.split('class="application-steps"')[1].split("</ol>")[0]


def test_the_step_indicator_is_english_on_an_english_page_and_marks_the_review(app):
    client = town_client(app, "usingen")
    start(client)
    fill_all_steps(client)
    client.get(f"/sprache/en?weiter=/antrag/{SLUG}/pruefen")
    page = client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    assert "Last step: check your answers" in page
    assert _step_indicator(page) == [(False, "Dog owner"), (False, "Your dogs"), (False, "Notes and confirmation"),
                                     (True, "Check and send")]
