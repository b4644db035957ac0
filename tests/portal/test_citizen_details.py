"""Details a citizen notices (issue 11, defects 4, 7, 15 and 22): the language switch keeps what was
typed, too large uploads come back to the form with a message, German that reads right, and a
confirmation that says what happens with the e-mail address."""

from __future__ import annotations

import io
import re

import pytest
from amtsweg.cases.models import Draft
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import PERSON, csrf_of, fill_all_steps, send_step, start, submit
from conftest import sent_mails, tenant_info, town_client

SLUG = "hundesteuer-anmelden"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_switching_the_language_in_the_middle_of_a_step_keeps_what_was_typed(app):
    client = town_client(app, "usingen")
    start(client)
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert 'form="antragsschritt" name="aktion" value="sprache:en"' in page
    response = client.post(f"/antrag/{SLUG}/schritt/1", data={
        "csrf_token": csrf_of(page), "aktion": "sprache:en", "vorname": "Erika", "nachname": "Muster"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/antrag/{SLUG}/schritt/1")
    english = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert '<html lang="en"' in english
    assert 'value="Erika"' in english and 'value="Muster"' in english
    assert "Step 1 of" in _text(english) and "Bitte füllen" not in english


def test_an_unknown_language_in_the_switch_is_refused_and_changes_nothing(app):
    client = town_client(app, "usingen")
    start(client)
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    response = client.post(f"/antrag/{SLUG}/schritt/1", data={
        "csrf_token": csrf_of(page), "aktion": "sprache:xx", "vorname": "Erika"})
    assert response.status_code == 400
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalars(db.select(Draft)).one().answers.get("vorname") is None


@pytest.fixture
def app_overrides():
    return {"MAX_CONTENT_LENGTH": 1024 * 1024}


def test_files_too_large_for_one_request_come_back_to_the_form_with_a_message(app):
    client = town_client(app, "usingen")
    start(client)
    page = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    response = client.post(f"/antrag/{SLUG}/schritt/1", data={
        "csrf_token": csrf_of(page), "vorname": "Erika", "datei": (io.BytesIO(b"x" * 2 * 1024 * 1024), "gross.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/antrag/{SLUG}/schritt/1")
    again = _text(client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True))
    assert "Die ausgewählten Dateien sind zusammen größer als 1 MB und wurden nicht gesendet. Bitte laden Sie sie " \
        "einzeln nacheinander hoch." in again


def test_mails_and_pages_use_the_article_before_the_towns_name(app):
    client = town_client(app, "usingen")
    fill_all_steps(client)
    submit(client)
    receipt = next(m for m in sent_mails(app) if "Eingangsbestätigung" in m["Subject"] or "eingegangen" in
                   m.get_body(("plain",)).get_content())
    body = receipt.get_body(("plain",)).get_content()
    assert "bei der Stadt Usingen" in body and "bei Stadt Usingen" not in body
    service = _text(town_client(app, "usingen").get("/leistungen/baugenehmigung").get_data(as_text=True))
    assert "bietet Hochtaunuskreis an" not in service


def test_the_confirmation_says_a_mail_is_on_its_way_when_an_address_was_given(app):
    client = town_client(app, "usingen")
    fill_all_steps(client)
    confirmation = _text(client.get(submit(client).headers["Location"]).get_data(as_text=True))
    assert "Sie erhalten gleich eine E-Mail" in confirmation
    assert "Wenn Sie eine E-Mail-Adresse angegeben haben" not in confirmation


def test_the_save_for_later_form_offers_the_address_given_in_step_one(app):
    client = town_client(app, "usingen")
    start(client)
    send_step(client, 1, PERSON)
    page = client.get(f"/antrag/{SLUG}/speichern").get_data(as_text=True)
    assert 'name="email" type="email" autocomplete="email" value="erika@example.org"' in page
