"""Money columns are 64-bit on PostgreSQL: every amount the contract form, filters and import accept
(below 10^12 €) is stored, found and imported; larger ones get a message. Fees too."""

from __future__ import annotations

import io
import re

import pytest
from amtsweg.cases.models import Case
from amtsweg.contracts.models import Contract
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client
from contracts.contract_support import post_form
from sqlalchemy import select, text
from support.logins import csrf_token_of, login_as

pytestmark = pytest.mark.postgres
BASE = "/sachbearbeitung/vertraege"
# (typed amount, cents): just above the old 32-bit limit, and the largest amount accepted.
AMOUNTS = [("21.474.836,48", 2**31), ("999.999.999.999,99", 10**14 - 1)]


@pytest.fixture
def editor(pg_app):
    client = town_client(pg_app, "usingen")
    login_as(client, "contracts_editor", username="vertrag-u")
    return client


def _values(app) -> dict[str, int]:
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        return {c.title: c.value_cents for c in db.session.scalars(select(Contract)).unique()}


def test_amounts_up_to_the_form_limit_are_stored_and_found_by_the_value_filter(pg_app, editor):
    for typed, _ in AMOUNTS:
        assert post_form(editor, f"{BASE}/neu", title=f"Vertrag {typed}", value=typed).status_code == 302
    assert _values(pg_app) == {f"Vertrag {typed}": cents for typed, cents in AMOUNTS}
    listed = editor.get(f"{BASE}/", query_string={"wert_von": "21.474.836,48", "sortierung": "wert"})
    assert listed.status_code == 200
    assert re.findall(r"<td>(Vertrag [^<]+)</td>", listed.get_data(as_text=True)) == [
        f"Vertrag {typed}" for typed, _ in AMOUNTS
    ]
    assert editor.get(f"{BASE}/", query_string={"wert_bis": "999.999.999.999,99"}).status_code == 200
    assert editor.get(f"{BASE}/export.xlsx", query_string={"wert_von": "1"}).status_code == 200


def test_an_amount_of_a_trillion_euros_is_refused_with_a_message(pg_app, editor):
    response = post_form(editor, f"{BASE}/neu", value="1.000.000.000.000,00")
    assert response.status_code == 400
    assert "ist keine Zahl unter 1.000.000.000.000 €" in response.get_data(as_text=True)
    assert _values(pg_app) == {}
    assert editor.get(f"{BASE}/", query_string={"wert_von": "9" * 30}).status_code == 200


def test_the_import_stores_amounts_up_to_the_limit(pg_app, editor):
    rows = "".join(f"Import {typed};Wartung;Firma;01.01.2024;{typed}\n" for typed, _ in AMOUNTS)
    content = ("Titel;Art;Partner;Beginn;Wert\n" + rows).encode()
    page = editor.get(f"{BASE}/import")
    uploaded = editor.post(f"{BASE}/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token_of(page.get_data(as_text=True)), "file": (io.BytesIO(content), "liste.csv")})
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:2000]
    preview = editor.get(uploaded.headers["Location"]).get_data(as_text=True)
    confirmed = editor.post(uploaded.headers["Location"], data={"csrf_token": csrf_token_of(preview)})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[:2000]
    assert _values(pg_app) == {f"Import {typed}": cents for typed, cents in AMOUNTS}


def test_money_columns_are_64_bit(pg_app):
    with pg_app.app_context():
        types = dict(db.session.execute(text(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE column_name LIKE '%cents'"
        )).all())
    # Every amount in cents, wherever a module keeps one, is 64-bit.
    assert {"contract.value_cents", "case_file.fee_cents", "case_fact.fee_cents", "payment.amount_cents"} <= set(types)
    assert {column: kind for column, kind in types.items() if kind != "bigint"} == {}
    assert Case.__table__.c.fee_cents.type.python_type is int
