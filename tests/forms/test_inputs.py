"""Turning submitted form inputs into typed answers (German dates and amounts) and back."""

from __future__ import annotations

import pytest
from amtsweg.forms import inputs
from amtsweg.forms.fields.date import parse_date
from amtsweg.forms.fields.money import parse_money
from amtsweg.forms.form import Step
from werkzeug.datastructures import MultiDict

T = {"de": "Feld", "en": "Field"}
STEP = Step.model_validate({
    "id": "s", "title": T, "fields": [
        {"id": "betrag", "type": "money", "label": T},
        {"id": "tag", "type": "date", "label": T},
        {"id": "anzahl", "type": "number", "label": T},
        {"id": "ok", "type": "yesno", "label": T},
        {"id": "iban", "type": "iban", "label": T},
        {"id": "farben", "type": "checkboxes", "label": T,
         "options": [{"value": "rot", "label": T}, {"value": "blau", "label": T}]},
        {"id": "adresse", "type": "address", "label": T},
        {"id": "kinder", "type": "group", "label": T, "max_items": 2,
         "fields": [{"id": "name", "type": "text", "label": T},
                    {"id": "bild", "type": "file", "label": T}]},
    ],
})


@pytest.mark.parametrize(("raw", "cents"), [("1.234,56", 123456), ("12", 1200), ("0,5", 50), ("7,05 €", 705),
                                            ("1234,5", 123450), ("1,2,3", "1,2,3"), ("12.34", "12.34")])
def test_german_amounts_become_cents_and_anything_else_stays_as_typed(raw, cents):
    assert parse_money(raw) == cents


@pytest.mark.parametrize(("raw", "iso"), [("17.05.1980", "1980-05-17"), ("1.3.2020", "2020-03-01"),
                                          ("2020-03-01", "2020-03-01"), ("31.02.2020", "31.02.2020"),
                                          ("morgen", "morgen")])
def test_german_dates_become_iso_dates(raw, iso):
    assert parse_date(raw) == iso


def test_a_step_is_parsed_into_typed_answers_and_shown_again_in_german():
    form = MultiDict([("betrag", "1.234,56"), ("tag", "17.05.1980"), ("anzahl", "2,5"), ("ok", "nein"),
                      ("iban", "de89 3704 0044 0532 0130 00"), ("farben", "rot"), ("farben", "blau"),
                      ("adresse.street", "Hauptstraße"), ("adresse.city", ""), ("kinder.0.name", "Mia"),
                      ("kinder.1.name", "ignoriert"), ("fremd", "x")])
    answers = inputs.parse_step(STEP, form, {"kinder": [{"bild": [{"document": 4, "name": "a.pdf"}]}]})
    assert answers == {
        "betrag": 123456, "tag": "1980-05-17", "anzahl": 2.5, "ok": False, "iban": "DE89 3704 0044 0532 0130 00",
        "farben": ["rot", "blau"],
        "adresse": {"street": "Hauptstraße", "house_number": "", "postal_code": "", "city": ""},
        "kinder": [{"name": "Mia", "bild": [{"document": 4, "name": "a.pdf"}]}],
    }
    fields = {f.id: f for f in STEP.fields}
    assert fields["betrag"].input_value(123456) == "1.234,56"
    assert fields["tag"].input_value("1980-05-17") == "17.05.1980"
    assert fields["ok"].input_value(False) == "nein"


def test_group_buttons_add_up_to_the_maximum_and_remove_only_existing_items():
    answers = {"kinder": [{}]}
    inputs.apply_action(STEP, answers, "hinzufuegen:kinder")
    inputs.apply_action(STEP, answers, "hinzufuegen:kinder")
    assert len(answers["kinder"]) == 2
    inputs.apply_action(STEP, answers, "entfernen:kinder:0")
    assert len(answers["kinder"]) == 1
    for action in ("entfernen:kinder:5", "hinzufuegen:betrag", "entfernen:kinder:-1", "weg", "datei-entfernen:tag:0"):
        with pytest.raises(inputs.UnknownAction):
            inputs.apply_action(STEP, answers, action)


def test_removing_a_file_returns_its_entry():
    answers = {"kinder": [{"bild": [{"document": 4, "name": "a.pdf"}]}]}
    assert inputs.apply_action(STEP, answers, "datei-entfernen:kinder.0.bild:0") == {"document": 4, "name": "a.pdf"}
    assert answers == {"kinder": [{}]}
