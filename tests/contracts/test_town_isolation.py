"""Another town's contracts, documents, import previews and calendar feeds are a 404, never a 403."""

from __future__ import annotations

import io
import re

import pytest
from conftest import host_client
from contract_support import (
    calendar_url,
    create_contract,
    logged_in,
    post_form,
    schmitten_editor,
    upload_document,
    usingen_editor,
)
from support.logins import csrf_token_of

BASE = "/sachbearbeitung/vertraege"
CSV = b"Titel;Art;Partner;Beginn\nWinterdienst;Dienstleistung;Bauhof Schmitten;01.10.2025\n"


@pytest.fixture
def towns(client_for):
    """A Schmitten contract with a document, an import preview and a calendar feed; a Usingen editor."""
    usingen = usingen_editor(client_for)
    own_id = create_contract(usingen)
    assert upload_document(usingen, own_id).status_code == 302
    schmitten = schmitten_editor(client_for)
    foreign_id = create_contract(schmitten, responsible_id="", title="Geheimer Vertrag Schmitten")
    assert upload_document(schmitten, foreign_id).status_code == 302
    attachment = re.search(rf"{BASE}/{foreign_id}/dokumente/(\d+)", schmitten.get(f"{BASE}/{foreign_id}").text)
    page = schmitten.get(f"{BASE}/import")
    preview = schmitten.post(
        f"{BASE}/import",
        data={"csrf_token": csrf_token_of(page.text), "file": (io.BytesIO(CSV), "vertraege.csv")},
        content_type="multipart/form-data",
    )
    return {
        "usingen": usingen,
        "schmitten": schmitten,
        "own_id": own_id,
        "foreign_id": foreign_id,
        "foreign_attachment": int(attachment.group(1)),
        "foreign_preview": preview.headers["Location"],
        "foreign_feed": calendar_url(schmitten),
    }


def _foreign_paths(towns) -> list[str]:
    foreign, attachment = towns["foreign_id"], towns["foreign_attachment"]
    return [
        f"{BASE}/{foreign}",
        f"{BASE}/{foreign}/bearbeiten",
        f"{BASE}/{foreign}/dokumente/{attachment}",
        f"{BASE}/{towns['own_id']}/dokumente/{attachment}",
        towns["foreign_preview"],
        towns["foreign_feed"],
    ]


def test_every_contract_url_of_another_town_is_a_404_for_a_logged_in_editor(towns):
    usingen = towns["usingen"]
    for path in _foreign_paths(towns):
        assert usingen.get(path).status_code == 404, path
    token = csrf_token_of(usingen.get(f"{BASE}/neu").text)
    for path in (
        f"{BASE}/{towns['foreign_id']}/bearbeiten",
        f"{BASE}/{towns['foreign_id']}/dokumente",
        towns["foreign_preview"],
    ):
        assert usingen.post(path, data={"csrf_token": token}).status_code == 404, path
    response = post_form(usingen, f"{BASE}/{towns['own_id']}/bearbeiten", responsible_id="999999")
    assert response.status_code == 400  # a person id that is not one of this town's choices


def test_the_same_urls_work_in_their_own_town(towns):
    schmitten = towns["schmitten"]
    for path in _foreign_paths(towns)[:3] + _foreign_paths(towns)[4:]:
        assert schmitten.get(path).status_code == 200, path


def test_lists_search_dashboard_and_exports_show_only_the_own_towns_contracts(towns):
    usingen = towns["usingen"]
    for path in (f"{BASE}/", f"{BASE}/?q=geheimer", f"{BASE}/fristen", f"{BASE}/export.csv"):
        assert "Geheimer Vertrag Schmitten" not in usingen.get(path).get_data(as_text=True), path
    assert b"Geheimer" not in usingen.get(f"{BASE}/export.xlsx").data
    assert "Geheimer Vertrag Schmitten" in towns["schmitten"].get(f"{BASE}/export.csv").get_data(as_text=True)


def test_a_feed_address_works_only_on_its_own_towns_host(app, towns):
    path = towns["foreign_feed"]
    assert host_client(app, "schmitten.localhost").get(path).status_code == 200
    assert host_client(app, "usingen.localhost").get(path).status_code == 404
    assert host_client(app, "usingen.localhost").get(path.replace(".ics", "x.ics")).status_code == 404


@pytest.mark.parametrize("host", ["localhost", "admin.localhost"])
def test_contract_pages_do_not_exist_on_the_member_list_or_admin_host(app, towns, host):
    client = host_client(app, host)
    for path in [f"{BASE}/", *_foreign_paths(towns)]:
        assert client.get(path).status_code == 404, path


def test_a_session_of_one_town_is_not_a_login_in_another(client_for, towns):
    schmitten = towns["schmitten"]
    schmitten.host = "usingen.localhost"
    response = schmitten.get(f"{BASE}/{towns['own_id']}")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


def test_a_viewer_of_another_town_gets_404_for_this_towns_contract(client_for, towns):
    viewer = logged_in(client_for, "schmitten", "contracts_viewer", username="leser-s")
    assert viewer.get(f"{BASE}/{towns['own_id']}").status_code == 404
