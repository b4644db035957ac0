"""Conditions (shown / required fields) and fee lines over a form's answers."""

from __future__ import annotations

import pytest
from amtsweg.formatting import format_cents
from amtsweg.forms.conditions import (
    LogicError,
    evaluate,
    prune_hidden,
    required_fields,
    visible_fields,
)
from amtsweg.processes.fees import FeeError, compute_fees, invalid_overrides, total_cents
from amtsweg.processes.schema import ProcessDefinition

TEXT = {"de": "Text", "en": "Text"}


def definition(fields: list[dict], fees: list[dict] | None = None) -> ProcessDefinition:
    return ProcessDefinition.model_validate({
        "slug": "probe", "kind": "digital", "category": "standesamt", "title": TEXT, "summary": TEXT,
        "form": {"steps": [{"id": "s", "title": TEXT, "fields": fields}]},
        "fees": fees or [],
    })


HUNDE = definition([
    {"id": "art", "type": "radio", "label": TEXT, "required": True,
     "options": [{"value": "privat", "label": TEXT}, {"value": "firma", "label": TEXT}]},
    {"id": "firma", "type": "text", "label": TEXT,
     "show_if": {"==": [{"var": "art"}, "firma"]}, "required_if": {"==": [{"var": "art"}, "firma"]}},
    {"id": "register", "type": "yesno", "label": TEXT, "show_if": {"==": [{"var": "art"}, "firma"]}},
    {"id": "registernummer", "type": "text", "label": TEXT, "required": True,
     "show_if": {"==": [{"var": "register"}, True]}},
    {"id": "hunde", "type": "group", "label": TEXT, "fields": [
        {"id": "rasse", "type": "text", "label": TEXT, "required": True},
        {"id": "gefaehrlich", "type": "yesno", "label": TEXT},
        {"id": "erlaubnis", "type": "file", "label": TEXT, "required": True,
         "show_if": {"==": [{"var": "gefaehrlich"}, True]}},
    ]},
])


def test_field_with_show_if_is_hidden_until_its_condition_holds():
    assert "firma" not in visible_fields(HUNDE.form, {"art": "privat"})
    assert "firma" in visible_fields(HUNDE.form, {"art": "firma"})


def test_required_if_makes_a_visible_field_required():
    assert "firma" not in required_fields(HUNDE.form, {"art": "privat"})
    assert "firma" in required_fields(HUNDE.form, {"art": "firma"})


def test_hiding_a_field_also_hides_fields_that_depend_on_its_answer():
    answers = {"art": "privat", "register": True, "registernummer": "HRB 1"}
    assert "registernummer" not in visible_fields(HUNDE.form, answers)
    assert "registernummer" in visible_fields(HUNDE.form, answers | {"art": "firma"})


def test_group_item_conditions_see_the_items_own_answers():
    answers = {"art": "privat", "hunde": [{"rasse": "Mops"}, {"rasse": "Pitbull", "gefaehrlich": True}]}
    assert required_fields(HUNDE.form, answers) == ["art", "hunde.0.rasse", "hunde.1.rasse", "hunde.1.erlaubnis"]


def test_prune_hidden_drops_hidden_and_unknown_answers():
    answers = {"art": "privat", "firma": "Alt GmbH", "fremd": 1,
               "hunde": [{"rasse": "Mops", "erlaubnis": [{"name": "a.pdf", "size": 1}]}]}
    assert prune_hidden(HUNDE.form, answers) == {"art": "privat", "hunde": [{"rasse": "Mops"}]}


def test_condition_that_cannot_be_evaluated_does_not_hold():
    form = definition([
        {"id": "anzahl", "type": "number", "label": TEXT},
        {"id": "hinweis", "type": "info", "text": TEXT, "show_if": {">": [{"*": [{"var": "anzahl"}, 2]}, 4]}},
    ]).form
    assert visible_fields(form, {}) == ["anzahl"]
    assert visible_fields(form, {"anzahl": 3}) == ["anzahl", "hinweis"]
    with pytest.raises(LogicError):
        evaluate({"*": [{"var": "anzahl"}, 2]}, {})


URKUNDE = definition(
    [
        {"id": "anzahl", "type": "number", "label": TEXT, "integer": True},
        {"id": "zustellung", "type": "radio", "label": TEXT,
         "options": [{"value": "post", "label": TEXT}, {"value": "abholung", "label": TEXT}]},
        {"id": "betrag", "type": "money", "label": TEXT, "show_if": {"==": [{"var": "zustellung"}, "post"]}},
    ],
    fees=[
        {"id": "erste", "label": {"de": "Erste Urkunde", "en": "First"}, "amount_cents": 1200},
        {"id": "weitere", "label": {"de": "Weitere", "en": "More"},
         "amount_rule": {"*": [{"-": [{"var": "anzahl"}, 1]}, 600]}, "when": {">": [{"var": "anzahl"}, 1]}},
        {"id": "porto", "label": {"de": "Porto", "en": "Postage"}, "amount_cents": 85,
         "when": {"==": [{"var": "zustellung"}, "post"]}},
        {"id": "anteil", "label": {"de": "Anteil", "en": "Share"},
         "amount_rule": {"*": [{"var": ["betrag", 0]}, 0.015]}},
    ],
)


def lines(answers, overrides=None):
    return [(line.id, line.cents) for line in compute_fees(URKUNDE, answers, overrides)]


def test_fixed_fee_is_charged_and_rule_fee_only_when_its_condition_holds():
    assert lines({"anzahl": 1, "zustellung": "abholung"}) == [("erste", 1200)]
    assert lines({"anzahl": 3, "zustellung": "post"}) == [("erste", 1200), ("weitere", 1200), ("porto", 85)]


def test_town_override_replaces_fixed_amounts_but_not_rules():
    overrides = {"erste": 1500, "weitere": 1}
    assert lines({"anzahl": 2, "zustellung": "abholung"}, overrides) == [("erste", 1500), ("weitere", 600)]
    assert lines({"anzahl": 1, "zustellung": "abholung"}, {"erste": 0}) == []


def test_rule_amounts_are_rounded_half_up_to_whole_cents():
    # 1.5 % of 10,10 € is 15.15 cents, of 10,50 € 15.75 cents, of 11,00 € exactly 16.5 cents (half up: 17).
    assert lines({"anzahl": 1, "zustellung": "post", "betrag": 1010})[-1] == ("anteil", 15)
    assert lines({"anzahl": 1, "zustellung": "post", "betrag": 1050})[-1] == ("anteil", 16)
    assert lines({"anzahl": 1, "zustellung": "post", "betrag": 1100})[-1] == ("anteil", 17)


def test_answers_of_hidden_fields_do_not_count_for_fees():
    assert lines({"anzahl": 1, "zustellung": "abholung", "betrag": 100000}) == [("erste", 1200)]


def test_rule_that_cannot_be_computed_raises_fee_error():
    broken = definition([{"id": "anzahl", "type": "number", "label": TEXT}],
                        fees=[{"id": "x", "label": TEXT, "amount_rule": {"*": [{"var": "anzahl"}, 600]}}])
    with pytest.raises(FeeError, match="fee 'x'"):
        compute_fees(broken, {})
    negative = definition([{"id": "anzahl", "type": "number", "label": TEXT}],
                          fees=[{"id": "x", "label": TEXT, "amount_rule": {"-": [0, {"var": "anzahl"}]}}])
    with pytest.raises(FeeError, match="negative"):
        compute_fees(negative, {"anzahl": 2})


def test_total_and_german_money_format():
    assert total_cents(compute_fees(URKUNDE, {"anzahl": 3, "zustellung": "post"})) == 2485
    assert format_cents(123456) == "1.234,56 €"
    assert format_cents(5) == "0,05 €"


def test_invalid_overrides_are_named():
    assert invalid_overrides(URKUNDE, {"erste": 1000, "weitere": 100, "gibts": 1, "porto": -1}) == [
        "fee 'weitere' is computed by a rule and cannot be overridden",
        "unknown fee 'gibts'",
        "fee 'porto': amount must be a non-negative number of cents",
    ]


def test_a_rule_amount_beyond_any_fee_column_raises_fee_error():
    # The office sets such a fee by hand (the application is kept); the case's total must fit its column.
    huge = definition([{"id": "anzahl", "type": "number", "label": TEXT}],
                      fees=[{"id": "x", "label": TEXT, "amount_rule": {"*": [{"var": "anzahl"}, 600]}}])
    with pytest.raises(FeeError, match="too large"):
        compute_fees(huge, {"anzahl": 10**15})
    assert [line.cents for line in compute_fees(huge, {"anzahl": 10**10})] == [6 * 10**12]
