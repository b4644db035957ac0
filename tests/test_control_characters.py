"""Control characters (U+0000 and the other C0 controls but tab and line breaks) never reach the
database: they are removed from every form value, query value and JSON body at the request
boundary, and a path containing one is a 404. PostgreSQL refuses NUL in text, SQLite does not."""

from __future__ import annotations

import pytest
from amtsweg.cases.models import Case
from amtsweg.contracts.models import Contract
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import DOG, PERSON, send_step, start, submit
from conftest import tenant_info, town_client
from contracts.contract_support import post_form
from flask import jsonify, request
from sqlalchemy import select
from support.logins import login_as

pytestmark = pytest.mark.postgres
BASE = "/sachbearbeitung/vertraege"
HOSTILE = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f"


def test_a_citizen_application_with_nul_in_the_name_is_submitted(pg_app):
    client = town_client(pg_app, "neu-anspach")
    start(client)
    person = {**PERSON, "vorname": f"Eri{HOSTILE}ka", "nachname": "Muster\x00mann"}
    assert send_step(client, 1, person).status_code == 302
    assert send_step(client, 2, {**DOG, "hunde.0.name": "Bel\x00lo"}).status_code == 302
    assert send_step(client, 3, {"versicherung": "richtig"}).status_code == 302
    response = submit(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "eingegangen" in client.get(response.headers["Location"]).get_data(as_text=True)
    with pg_app.app_context(), tenant_context(tenant_info(pg_app, "neu-anspach")):
        case = db.session.scalars(select(Case)).one()
        assert case.applicant_name == "Erika Mustermann"
        assert case.answers["hunde"][0]["name"] == "Bello"


def test_the_contract_form_with_control_characters_saves_with_a_message(pg_app):
    editor = town_client(pg_app, "usingen")
    login_as(editor, "contracts_editor", username="vertrag-u")
    response = post_form(editor, f"{BASE}/neu", title=f"Wartung{HOSTILE} Heizung", notes="Zeile 1\r\n\tZeile 2\x00",
                         tags="a\x00b, c", value="1\x00.200,00")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "wurde angelegt" in editor.get(response.headers["Location"]).get_data(as_text=True)
    with pg_app.app_context(), tenant_context(tenant_info(pg_app, "usingen")):
        contract = db.session.scalars(select(Contract)).unique().one()
        assert (contract.title, contract.notes, contract.tags) == ("Wartung Heizung", "Zeile 1\r\n\tZeile 2",
                                                                  ["ab", "c"])
        assert contract.value_cents == 120000


def test_search_and_filters_with_control_characters_answer_normally(pg_app):
    editor = town_client(pg_app, "usingen")
    login_as(editor, "contracts_editor", username="vertrag-u")
    response = editor.get(f"{BASE}/", query_string={"q": "\x00", "fachbereich": "\x00Bau", "status": "\x00"})
    assert response.status_code == 200
    assert town_client(pg_app, "usingen").get("/leistungen", query_string={"suche": "Hund\x00"}).status_code == 200


@pytest.mark.parametrize("path", ["/antrag/hunde%00steuer/", "/vorgang/abc%00def", "/leistungen/%01x"])
def test_a_path_with_a_control_character_is_a_404(pg_app, path):
    assert town_client(pg_app, "usingen").get(path).status_code == 404


def test_json_bodies_lose_their_control_characters(pg_app):
    pg_app.add_url_rule("/json-echo", "json_echo", lambda: jsonify(request.get_json()))
    response = town_client(pg_app, "usingen").get(
        "/json-echo", json={"na\x00me": ["a\x00b", {"x": "c\x1bd\n"}], "n": 1}
    )
    assert response.json == {"name": ["ab", {"x": "cd\n"}], "n": 1}
