"""Tenant isolation of the API, for every operation in the OpenAPI document (a new operation is
covered without touching this test, a new body-taking one needs a sample below): a key of another
town is unknown on this town's host (401), and this town's ids asked for with another town's key on
its own host are not found (404). Neither answer carries data of the town, and nothing changes."""

from __future__ import annotations

import base64
import io
import json
import re

from amtsweg.cases.models import Case
from amtsweg.documents.services import store_upload
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from api.helpers import api
from conftest import tenant_info
from sqlalchemy import select
from workbench.case_factory import make_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A valid body for each operation that takes one (what its own town's key would send).
BODIES = {
    "perform_transition": {"transition": "start"},
    "send_message": {"body": "Bitte melden Sie sich."},
    "add_document": {"filename": "Bescheid.pdf", "content_base64": base64.b64encode(PDF).decode()},
}


def _operations(app):
    document = api(app, "usingen").client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def _victim(app):
    """A Usingen case with a document, as the target of the other towns' calls."""
    reference = make_case(app, "usingen", 1, applicant_name="Hannelore Quast")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        document = store_upload(io.BytesIO(PDF), "Geheim.pdf", accept=["pdf"], max_bytes=1024, case_id=case.id)
        db.session.commit()
        return reference, document.id


def _snapshot(app):
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalars(select(Case)).one()
        return case.status, case.updated_at


def _call(client, method, path, operation, values):
    url = re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), path).removeprefix("/api/v1")
    if method == "get":
        return client.get(url)
    assert operation["operationId"] in BODIES, f"add a sample body for {operation['operationId']}"
    return client.post(url, json=BODIES[operation["operationId"]])


def test_every_operation_refuses_another_towns_key_and_shows_no_data(app):
    reference, document_id = _victim(app)
    values = {"reference": reference, "document_id": document_id}
    before = _snapshot(app)
    foreign_key = api(app, "neu-anspach").key
    on_victims_host = api(app, "usingen", foreign_key)
    checked = []
    for method, path, operation in _operations(app):
        if not operation.get("security"):
            continue  # the document itself needs no key
        response = _call(on_victims_host, method, path, operation, values)
        text = response.get_data(as_text=True)
        assert response.status_code == 401, (method, path, text)
        assert response.mimetype == "application/problem+json"
        assert reference not in text and "Hannelore" not in text and "Geheim" not in text
        checked.append(operation["operationId"])
    assert len(checked) >= 11
    assert _snapshot(app) == before


def test_every_operation_with_this_towns_ids_is_a_404_for_another_town(app):
    reference, document_id = _victim(app)
    values = {"reference": reference, "document_id": document_id}
    before = _snapshot(app)
    other_town = api(app, "neu-anspach")
    for method, path, operation in _operations(app):
        if not operation.get("security"):
            continue
        response = _call(other_town, method, path, operation, values)
        text = response.get_data(as_text=True)
        if "{reference}" in path:
            assert response.status_code == 404, (method, path, text)
            assert response.mimetype == "application/problem+json"
        else:
            assert response.status_code == 200, (method, path, text)
        assert reference not in text and "Hannelore" not in json.dumps(text) and "Geheim" not in text
    assert _snapshot(app) == before
