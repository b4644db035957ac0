"""A town's secret and numbered objects, made through the real pages, for the tests that walk the URL
map: a submitted application (status link, reference) with the citizen's reply and its document, a
contract with a document, an import preview, a calendar feed and a staff account holding every town
role."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from amtsweg.auth.roles import TOWN_ROLES
from amtsweg.cases.models import Case
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import csrf_of, fill_all_steps, submit
from conftest import HostClient, host_client, host_of, tenant_info, town_client
from contracts.contract_support import calendar_url, create_contract, upload_document, user_id
from flask import Flask
from sqlalchemy import select
from support.logins import csrf_token_of, login_as

CONTRACTS = "/sachbearbeitung/vertraege"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IMPORT_CSV = b"Titel;Art;Partner;Beginn\nWinterdienst;Dienstleistung;Bauhof;01.10.2025\n"
# The endpoints whose ``<token>`` is which kind of secret.
TOKEN_KINDS = {"status": "status", "contracts.import_preview": "preview", "contracts.calendar_feed": "feed"}


@dataclass
class TownObjects:
    slug: str
    staff: HostClient
    staff_username: str
    reference: str
    status_token: str
    contract_id: int
    attachment_id: int
    document_id: int
    preview_token: str
    feed_token: str
    user_id: int
    transition_id: str

    @property
    def host(self) -> str:
        return host_of(self.slug)

    def token_for(self, endpoint: str) -> str | None:
        """This town's secret for ``endpoint``'s ``<token>`` (None where it has none)."""
        kind = TOKEN_KINDS.get(endpoint, TOKEN_KINDS.get(endpoint.split(".", 1)[0]))
        return {"status": self.status_token, "preview": self.preview_token, "feed": self.feed_token}.get(kind or "")

    def values_for(self, endpoint: str, argument: str) -> list[Any]:
        """This town's real values for one URL argument of ``endpoint`` (empty when it has none)."""
        token = self.token_for(endpoint)
        values: dict[str, list[Any]] = {
            "reference": [self.reference],
            "token": [token] if token else [],
            "contract_id": [self.contract_id],
            "attachment_id": [self.attachment_id],
            "document_id": [self.document_id],
            "user_id": [self.user_id] if endpoint.startswith("town_accounts.") else [],
            "transition_id": [self.transition_id],
            "number": [1] if endpoint.startswith("workbench.eakte.") else [],
        }
        return values.get(argument, [])


def _import_preview(staff: HostClient) -> str:
    page = staff.get(f"{CONTRACTS}/import")
    response = staff.post(
        f"{CONTRACTS}/import",
        data={"csrf_token": csrf_token_of(page.get_data(as_text=True)),
              "file": (io.BytesIO(IMPORT_CSV), "vertraege.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[1]


def _ask_and_answer(staff: HostClient, citizen: HostClient, reference: str, status_link: str) -> None:
    """The clerk asks for a document, the citizen sends one with the reply: the case's document."""
    for transition, text in (("start", ""), ("request_information", "Bitte reichen Sie den Impfpass nach.")):
        page = staff.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
        response = staff.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                              data={"csrf_token": csrf_token_of(page), "nachricht": text})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = citizen.get(status_link).get_data(as_text=True)
    reply = {"csrf_token": csrf_of(page), "nachricht": "Anbei der Impfpass.",
             "dokumente": (io.BytesIO(PDF), "impfpass.pdf")}
    sent = citizen.post(f"{status_link}/antworten", content_type="multipart/form-data", data=reply)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]


def make_town_objects(app: Flask, slug: str) -> TownObjects:
    """Create the objects through the town's pages, as its citizen and its staff would."""
    citizen = town_client(app, slug)
    fill_all_steps(citizen)
    confirmation = citizen.get(submit(citizen).headers["Location"]).get_data(as_text=True)
    status_link = re.search(r'id="statuslink" href="/vorgang/([^"/]+)"', confirmation)
    assert status_link, confirmation[:2000]

    username = f"alle-rollen-{slug}"
    staff = town_client(app, slug)
    login_as(staff, *TOWN_ROLES, username=username)
    contract_id = create_contract(staff, title=f"Wartung Heizung {slug}")
    assert upload_document(staff, contract_id).status_code == 302
    detail = staff.get(f"{CONTRACTS}/{contract_id}").get_data(as_text=True)
    attachment = re.search(rf"{CONTRACTS}/{contract_id}/dokumente/(\d+)", detail)
    assert attachment, detail[:2000]
    preview_token = _import_preview(staff)
    feed_token = calendar_url(staff).rsplit("/", 1)[1].removesuffix(".ics")

    with app.app_context(), tenant_context(tenant_info(app, slug)):
        reference = db.session.scalars(select(Case.reference)).one()
    _ask_and_answer(staff, citizen, reference, f"/vorgang/{status_link.group(1)}")
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        # The citizen's reply attachment (the filed receipt has a kind).
        document_id = db.session.scalars(
            select(Document.id).where(Document.case_id.is_not(None), Document.kind.is_(None))).one()
    case_page = staff.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    transition = re.search(rf"/sachbearbeitung/vorgang/{reference}/schritt/([^\"/]+)\"", case_page)
    assert transition, case_page[:2000]
    return TownObjects(
        slug=slug, staff=staff, staff_username=username, reference=reference, status_token=status_link.group(1),
        contract_id=contract_id, attachment_id=int(attachment.group(1)), document_id=document_id,
        preview_token=preview_token, feed_token=feed_token, user_id=user_id(app, username, slug),
        transition_id=transition.group(1),
    )


def relax_rate_limits(app: Flask) -> None:
    """The walks send far more token lookups and logins than one visitor may; they test answers, not limits."""
    app.config.update(TOKEN_LOOKUP_LIMIT="100000 per minute", LOGIN_LIMIT="100000 per minute")


def fresh_login(app: Flask, host: str, roles: tuple[str, ...], username: str) -> HostClient:
    """A new client of ``host``, logged in with ``roles`` unless there are none."""
    client = host_client(app, host)
    if roles:
        login_as(client, *roles, username=username)
    return client
