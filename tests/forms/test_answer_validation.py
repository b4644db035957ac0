"""Server-side validation of answers: one message per field path, in the page's language."""

from __future__ import annotations

import datetime as dt

from amtsweg.forms.fields.address import AddressField
from amtsweg.forms.validation import validate_answers
from amtsweg.processes.schema import ProcessDefinition
from flask_babel import force_locale

T = {"de": "Feld", "en": "Field"}
TODAY = dt.date(2026, 3, 2)
FIELDS = [
    {"id": "name", "type": "text", "label": T, "required": True, "min_length": 2, "max_length": 10},
    {"id": "plz", "type": "text", "label": T, "pattern": r"^\d{5}$",
     "pattern_message": {"de": "Bitte fünf Ziffern.", "en": "Five digits."}},
    {"id": "mail", "type": "email", "label": T},
    {"id": "tel", "type": "phone", "label": T},
    {"id": "anzahl", "type": "number", "label": T, "integer": True, "min": 1, "max": 10},
    {"id": "betrag", "type": "money", "label": T, "min_cents": 2500},
    {"id": "geburt", "type": "date", "label": T, "past_only": True},
    {"id": "termin", "type": "date", "label": T, "min": "today+7"},
    {"id": "art", "type": "select", "label": T, "required": True,
     "options": [{"value": "a", "label": T}, {"value": "b", "label": T}]},
    {"id": "mehr", "type": "checkboxes", "label": T, "max_selected": 1,
     "options": [{"value": "x", "label": T}, {"value": "y", "label": T}]},
    {"id": "ok", "type": "yesno", "label": T, "required": True},
    {"id": "adresse", "type": "address", "label": T},
    {"id": "iban", "type": "iban", "label": T},
    {"id": "datei", "type": "file", "label": T, "accept": ["pdf"], "max_size_mb": 1},
    {"id": "hunde", "type": "group", "label": T, "min_items": 1,
     "fields": [{"id": "rasse", "type": "text", "label": T, "required": True}]},
]
DEFINITION = ProcessDefinition.model_validate({
    "slug": "probe", "kind": "digital", "category": "standesamt", "title": T, "summary": T,
    "form": {"steps": [{"id": "s", "title": T, "fields": FIELDS}]},
})
VALID = {
    "name": "Erika", "plz": "61267", "mail": "erika@example.org", "tel": "+49 6081 1234",
    "anzahl": 2, "betrag": 2500, "geburt": "1980-05-17", "termin": "2026-03-09", "art": "a",
    "mehr": ["y"], "ok": False, "iban": "DE89 3704 0044 0532 0130 00",
    "adresse": {"street": "Hauptstraße", "house_number": "3a", "postal_code": "61250", "city": "Usingen"},
    "datei": [{"name": "Nachweis.PDF", "size": 1000}], "hunde": [{"rasse": "Dackel"}],
}


def check(**changes):
    return validate_answers(DEFINITION, VALID | changes, today=TODAY)


def test_valid_answers_give_no_errors():
    assert check() == {}


def test_missing_required_answers_get_a_message_each():
    errors = validate_answers(DEFINITION, {"hunde": [{}]}, today=TODAY)
    assert errors == {
        "name": "Bitte füllen Sie dieses Feld aus.",
        "art": "Bitte wählen Sie eine Antwort aus.",
        "ok": "Bitte wählen Sie eine Antwort aus.",
        "hunde.0.rasse": "Bitte füllen Sie dieses Feld aus.",
    }


def test_each_field_type_checks_its_own_rules():
    errors = check(
        name="E", plz="6126", mail="erika@", tel="abc", anzahl=2.5, betrag=100, geburt="2030-01-01",
        termin="2026-03-08", art="c", mehr=["x", "y"], ok="ja", iban="DE89370400440532013001",
        adresse={"street": "Hauptstraße", "house_number": "", "postal_code": "612", "city": "Usingen"},
        datei=[{"name": "bild.png", "size": 10}], hunde=[],
    )
    assert errors == {
        "name": "Bitte geben Sie mindestens 2 Zeichen ein.",
        "plz": "Bitte fünf Ziffern.",
        "mail": "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.",
        "tel": "Bitte geben Sie eine gültige Telefonnummer ein, z. B. 06081 12345.",
        "anzahl": "Bitte geben Sie eine ganze Zahl ein.",
        "betrag": "Der Betrag muss mindestens 25,00 € betragen.",
        "geburt": "Das Datum darf nicht in der Zukunft liegen.",
        "termin": "Das Datum darf nicht vor dem 09.03.2026 liegen.",
        "art": "Bitte wählen Sie eine der angebotenen Möglichkeiten aus.",
        "mehr": "Bitte wählen Sie höchstens 1 Möglichkeiten aus.",
        "ok": "Bitte wählen Sie „Ja“ oder „Nein“.",
        "iban": "Bitte geben Sie eine gültige IBAN ein, z. B. DE89 3704 0044 0532 0130 00.",
        "adresse.house_number": "Bitte geben Sie die Hausnummer an.",
        "adresse.postal_code": "Bitte geben Sie eine fünfstellige Postleitzahl ein.",
        "datei": "Dieser Dateityp ist nicht erlaubt. Erlaubt sind: PDF.",
        "hunde": "Bitte machen Sie mindestens 1 Einträge.",
    }


def test_limits_on_the_other_side():
    errors = check(name="Erika Mustermann", anzahl=11, datei=[{"name": "a.pdf", "size": 2 * 1024 * 1024}])
    assert errors == {
        "name": "Bitte geben Sie höchstens 10 Zeichen ein.",
        "anzahl": "Der Wert darf höchstens 10 sein.",
        "datei": "Eine Datei darf höchstens 1 MB groß sein.",
    }


def test_hidden_fields_are_not_validated():
    definition = ProcessDefinition.model_validate({
        "slug": "probe", "kind": "digital", "category": "standesamt", "title": T, "summary": T,
        "form": {"steps": [{"id": "s", "title": T, "fields": [
            {"id": "firma", "type": "yesno", "label": T},
            {"id": "name", "type": "text", "label": T, "required": True,
             "show_if": {"==": [{"var": "firma"}, True]}},
        ]}]},
    })
    assert validate_answers(definition, {"firma": False, "name": ""}) == {}
    assert validate_answers(definition, {"firma": True}) == {"name": "Bitte füllen Sie dieses Feld aus."}


def test_messages_follow_the_language_of_the_page(app):
    with app.test_request_context(), force_locale("en"):
        errors = check(name="E", betrag=100, geburt="2030-01-01", ok="ja",
                       adresse={"street": "Hauptstraße", "house_number": "", "postal_code": "612", "city": "Usingen"})
    assert errors == {
        "name": "Please enter at least 2 characters.",
        "betrag": "The amount must be at least €25.00.",
        "geburt": "The date must not be in the future.",
        "ok": "Please choose “Yes” or “No”.",
        "adresse.house_number": "Please enter the house number.",
        "adresse.postal_code": "Please enter a five-digit postcode.",
    }


def test_an_address_reads_with_the_countrys_name():
    address = AddressField.model_validate({"id": "a", "type": "address", "label": T, "country": True})
    value = {"street": "Rue de Rivoli", "house_number": "1", "postal_code": "75001", "city": "Paris", "country": "FR"}
    assert address.answer_text(value, "de") == "Rue de Rivoli 1, 75001 Paris, Frankreich"
    assert address.answer_text(value, "en") == "Rue de Rivoli 1, 75001 Paris, France"
