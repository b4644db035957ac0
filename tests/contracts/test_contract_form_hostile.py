"""The contract form with requests a browser would not send: optional fields missing entirely."""

from __future__ import annotations

import pytest
from amtsweg.contracts.models import Contract
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from contract_support import FORM_DEFAULTS, usingen_editor
from support.logins import csrf_token_of

BASE = "/sachbearbeitung/vertraege"


def _post_without(editor, missing: str):
    page = editor.get(f"{BASE}/neu")
    data = {key: value for key, value in FORM_DEFAULTS.items() if key != missing}
    return editor.post(f"{BASE}/neu", data={**data, "csrf_token": csrf_token_of(page.get_data(as_text=True))})


@pytest.mark.parametrize("missing", ["tags", "value", "number", "notes", "ends_on"])
def test_a_post_without_an_optional_field_saves_the_contract(app, client_for, missing):
    editor = usingen_editor(client_for)
    response = _post_without(editor, missing)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "wurde angelegt" in editor.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        contract = db.session.scalars(db.select(Contract)).unique().one()
    assert contract.title == FORM_DEFAULTS["title"]
    if missing == "tags":
        assert contract.tags == []
    if missing == "value":
        assert contract.value_cents is None


@pytest.mark.parametrize("missing", ["responsible_id", "contract_type"])
def test_a_post_without_a_choice_is_refused_with_a_message_and_nothing_saved(app, client_for, missing):
    response = _post_without(usingen_editor(client_for), missing)
    assert response.status_code == 400
    assert "Keine gültige Auswahl." in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
