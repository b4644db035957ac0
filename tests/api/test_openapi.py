"""The OpenAPI 3.1 document is generated from the models the code validates with, is valid, and
every operation says how it fails (problem details); the reference page shows the same document
to people."""

from __future__ import annotations

from conftest import town_client
from openapi_spec_validator import validate


def _document(app):
    response = town_client(app, "usingen").get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_a_valid_openapi_3_1_document(app):
    document = _document(app)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_keyed_operation_documents_its_scope_and_its_problem_answers(app):
    document = _document(app)
    operations = [operation for item in document["paths"].values() for operation in item.values()]
    assert {operation["operationId"] for operation in operations} >= {
        "list_cases", "get_case", "get_timeline", "perform_transition", "list_messages", "send_message",
        "list_documents", "get_document", "get_document_content", "add_document", "get_catalogue"}
    for operation in operations:
        (requirement,) = operation["security"]
        assert requirement["bearer"][0] in {"cases:read", "cases:write", "documents:read", "catalogue:read"}
        for status in ("400", "401", "403", "404", "429"):
            assert list(operation["responses"][status]["content"]) == ["application/problem+json"], (
                operation["operationId"], status)
    assert document["components"]["schemas"]["CaseListQuery"]["additionalProperties"] is False


def test_the_reference_page_lists_every_operation_schema_and_problem_type(app):
    page = town_client(app, "usingen").get("/api/referenz", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path in ("GET /api/v1/cases/{reference}", "POST /api/v1/cases/{reference}/transitions",
                 "GET /api/v1/cases/{reference}/documents/{document_id}/content", "GET /api/v1/catalogue"):
        assert path in html
    assert 'id="schema-CaseDetail"' in html and 'id="problem-invalid-cursor"' in html
    assert "Stadt Usingen" in html and "API-Referenz" in html


def test_the_reference_page_is_english_after_the_language_switch(app):
    client = town_client(app, "usingen")
    client.get("/sprache/en")
    html = client.get("/api/referenz").get_data(as_text=True)
    assert "API reference" in html and "Kinds of error" in html
