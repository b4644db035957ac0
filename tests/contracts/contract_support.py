"""Contract test support: logged-in clients of two towns and a function that posts the real contract form."""

from __future__ import annotations

import io
import re
from typing import Any

from amtsweg.auth.models import User
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from support.logins import csrf_token_of, login_as

FORM_DEFAULTS: dict[str, Any] = {
    "number": "",
    "title": "Wartung Heizungsanlage Bürgerhaus",
    "contract_type": "wartung",
    "status": "aktiv",
    "partner_name": "Wärmetechnik Müller GmbH",
    "partner_address": "Hauptstraße 1, 61250 Usingen",
    "partner_contact": "Frau Schäfer, 06081 1234",
    "department": "Bauamt",
    "responsible_id": "",
    "deputy_id": "",
    "subject": "Jährliche Wartung der Gasheizung",
    "starts_on": "2024-01-01",
    "ends_on": "",
    "minimum_term": "12 Monate",
    "notice_period": "3 Monate zum Jahresende",
    "renewal_period": "12 Monate",
    "value": "1.200,00",
    "value_interval": "jaehrlich",
    "cost_centre": "1.1.1.01",
    "tags": "Heizung, Bürgerhaus",
    "notes": "",
}


def post_form(client: Any, path: str, **values: Any) -> Any:
    """GET the form for its CSRF token, then POST it with ``values`` over the defaults."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {**FORM_DEFAULTS, **values, "csrf_token": csrf_token_of(page.get_data(as_text=True))}
    return client.post(path, data=data)


def create_contract(client: Any, **values: Any) -> int:
    """Create a contract through the form; returns its id (from the redirect)."""
    response = post_form(client, "/sachbearbeitung/vertraege/neu", **values)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def logged_in(client_for: Any, slug: str, *roles: str, username: str) -> Any:
    """A client of the town ``slug`` logged in through the development login."""
    client = client_for(slug)
    login_as(client, *roles, username=username)
    return client


def usingen_editor(client_for: Any) -> Any:
    return logged_in(client_for, "usingen", "contracts_editor", username="vertrag-u")


def user_id(app: Any, username: str, slug: str = "usingen") -> int:
    """The id of the town's user who logged in as ``username``."""
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        return db.session.scalar(db.select(User.id).where(User.subject == username))


def schmitten_editor(client_for: Any) -> Any:
    return logged_in(client_for, "schmitten", "contracts_editor", username="vertrag-s")


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload_document(client: Any, contract_id: int, content: bytes = PDF, title: str = "Vertragstext") -> Any:
    """Upload a file through the contract page's form."""
    page = client.get(f"/sachbearbeitung/vertraege/{contract_id}")
    return client.post(
        f"/sachbearbeitung/vertraege/{contract_id}/dokumente",
        data={
            "csrf_token": csrf_token_of(page.get_data(as_text=True)),
            "title": title,
            "file": (io.BytesIO(content), "vertrag.pdf"),
        },
        content_type="multipart/form-data",
    )


def calendar_url(client: Any) -> str:
    """Create the user's secret feed address on the calendar page; returns its path."""
    page = client.get("/sachbearbeitung/vertraege/kalender")
    response = client.post(
        "/sachbearbeitung/vertraege/kalender", data={"csrf_token": csrf_token_of(page.get_data(as_text=True))}
    )
    match = re.search(r'<code id="kalender-adresse">https?://[^/]+(/[^<]+)</code>', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:3000]
    return match.group(1)
