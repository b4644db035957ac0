"""The API keeps its own OpenAPI document: schemathesis generates calls of every operation from the
document (valid and invalid ones) and sends them to the app served on loopback, with a key of the
town that has every scope. No answer may be a server error or differ from the document (status,
content type, headers, body schema); calls without the key must be refused."""

from __future__ import annotations

import base64
import io

import pytest
import schemathesis
from amtsweg.cases.models import Case
from amtsweg.documents.services import store_upload
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from api.helpers import issue_key
from conftest import tenant_info, town_client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from sqlalchemy import select
from support.browser import live_server
from workbench.case_factory import make_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A schema-valid call may still be refused for what no schema can say: a cursor of another query or
# an altered one (400), a step the workflow does not allow now (409), a file that is not what it
# claims to be (422). Everything else a valid call gets must be a success or a documented refusal.
CHECKS = {"positive_data_acceptance": {"expected-statuses": ["2XX", "400", "401", "403", "404", "409", "422", "429"]}}


def _valid_upload(body) -> bool:
    return (isinstance(body, dict) and set(body) == {"filename", "content_base64"}
            and all(isinstance(value, str) for value in body.values())
            and 1 <= len(body["filename"]) <= 200 and len(body["content_base64"]) >= 4)


@pytest.fixture
def app_overrides():
    return {"API_RATE_LIMIT": "100000 per minute"}


@pytest.fixture
def live_api(app):
    """The document as the app serves it, and a live server with a town that has cases, documents
    and a key; generated path parameters are mixed with this town's real ids so that successful
    answers are checked too, not only 404s."""
    references = [make_case(app, "usingen", number) for number in range(1, 4)]
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case = db.session.scalar(select(Case).where(Case.reference == references[0]))
        document_id = store_upload(io.BytesIO(PDF), "Nachweis.pdf", accept=["pdf"], max_bytes=1024,
                                   case_id=case.id).id
        db.session.commit()
    key = issue_key(app, "usingen", roles=("clerk", "team_lead"))
    document = town_client(app, "usingen").get("/api/v1/openapi.json").get_json()
    # The key goes in as the document's bearer scheme, so that schemathesis knows which calls are
    # sent without it (and checks that those are refused).
    config = SchemathesisConfig.from_dict({"checks": CHECKS, "auth": {"openapi": {"bearer": {"bearer": key}}}})
    schema = schemathesis.openapi.from_dict(document, config=config)

    @schema.hook
    def flatmap_path_parameters(context, parameters):
        if not parameters:
            return st.just(parameters)
        real = {"reference": st.sampled_from(references), "document_id": st.just(document_id)}
        known = st.fixed_dictionaries({name: real.get(name, st.just(value)) for name, value in parameters.items()})
        # Mostly this town's ids: a success needs one, and valid calls are fewer than the rest.
        return st.one_of(st.just(parameters), known, known, known)

    @schema.hook
    def map_body(context, body):
        # Half of the valid uploads carry a real PDF, so that stored documents are checked too; the
        # rest stay generated strings (refused as no known file type). An invalid body stays as it
        # is, or it would be refused for nothing.
        if _valid_upload(body) and ord(body["filename"][0]) % 2 == 0:
            return {**body, "content_base64": base64.b64encode(PDF).decode()}
        return body

    answers: dict[str, set[int]] = {}
    with live_server(app) as server:
        yield {"schema": schema, "base_url": f"http://127.0.0.1:{server.port}",
               "host": f"usingen.localhost:{server.port}", "answers": answers}
    # The run is only worth something if every operation was reached with and without the key.
    assert len(answers) >= 11
    for label, codes in answers.items():
        assert any(200 <= code < 300 for code in codes) and 401 in codes, (label, sorted(codes))


@pytest.fixture
def api_schema(live_api):
    return live_api["schema"]


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_answer_is_a_server_error_or_contradicts_the_document(case, live_api):
    response = case.call_and_validate(base_url=live_api["base_url"], headers={"Host": live_api["host"]})
    live_api["answers"].setdefault(case.operation.label, set()).add(response.status_code)
