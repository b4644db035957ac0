"""Status links in workflow mails, the citizen's documents behind the status link, and the one
receipt PDF shared by the status page and the workbench."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from amtsweg.cases.models import Case, CaseAccessToken
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from amtsweg.tokens import hash_token
from cases.applying import csrf_of, fill_all_steps, submit
from conftest import tenant_info, town_client
from sqlalchemy import select
from support.logins import csrf_token_of, login_as

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LINK = re.compile(r"https?://[^\s\"<>]+/vorgang/[A-Za-z0-9_-]+")


def _apply(app, town: str) -> tuple:
    """A citizen submits the dog-tax application online; returns their client, status path and reference."""
    client = town_client(app, town)
    fill_all_steps(client)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)
    reference = re.search(r'id="aktenzeichen">([^<]+)<', page).group(1)
    return client, link, reference


def _clerk_step(app, town: str, reference: str, transition: str, text: str = "") -> None:
    clerk = town_client(app, town)
    login_as(clerk, "clerk", username="weber")
    page = clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    response = clerk.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                          data={"csrf_token": csrf_token_of(page), "nachricht": text})
    assert response.status_code == 303


def _mails(app) -> list:
    parser = BytesParser(policy=policy.default)
    folder = Path(app.config["INSTANCE_DIR"]) / "mail"
    paths = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime)
    return [parser.parsebytes(path.read_bytes()) for path in paths]


def _status_links(mail) -> list[str]:
    return LINK.findall(mail.get_body(("plain",)).get_content())


def _path(url: str) -> str:
    return urlsplit(url).path


def _store(app, town: str, reference: str, name: str, source: str) -> int:
    """A stored file of the case, as the workbench or the workflow would add it."""
    with app.app_context(), tenant_context(tenant_info(app, town)):
        case = db.session.scalars(select(Case).filter_by(reference=reference)).one()
        storage = get_storage()
        staged = storage.staging_dir() / uuid.uuid4().hex
        staged.write_bytes(PDF)
        key = f"{town}/test/{uuid.uuid4().hex}"
        storage.put(key, staged)
        document = Document(storage_key=key, filename=name, content_type="application/pdf", size=len(PDF),
                            sha256=hashlib.sha256(PDF).hexdigest(), case_id=case.id, source=source)
        db.session.add(document)
        db.session.commit()
        return document.id


def test_a_clerks_information_request_mails_a_link_that_opens_the_status_page(app):
    _, _, reference = _apply(app, "usingen")
    _clerk_step(app, "usingen", reference, "start")
    _clerk_step(app, "usingen", reference, "request_information", "Bitte senden Sie den Impfpass.")
    request_mail = next(mail for mail in _mails(app) if "weitere Angaben" in mail["Subject"])
    [link] = _status_links(request_mail)
    assert urlsplit(link).hostname == "usingen.localhost"
    page = town_client(app, "usingen").get(_path(link))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert reference in html and "Bitte senden Sie den Impfpass." in html and "Antworten und Unterlagen" in html


def test_the_mailed_link_is_a_404_on_another_towns_host(app):
    _, _, reference = _apply(app, "usingen")
    _clerk_step(app, "usingen", reference, "start")
    _clerk_step(app, "usingen", reference, "request_information", "Bitte senden Sie den Impfpass.")
    [link] = _status_links(next(mail for mail in _mails(app) if "weitere Angaben" in mail["Subject"]))
    assert town_client(app, "schmitten").get(_path(link)).status_code == 404


def test_every_mail_carries_its_own_link_and_all_of_them_keep_working(app):
    _, submission_link, reference = _apply(app, "usingen")
    _clerk_step(app, "usingen", reference, "start")
    _clerk_step(app, "usingen", reference, "request_information", "Bitte senden Sie den Impfpass.")
    _clerk_step(app, "usingen", reference, "resume")
    _clerk_step(app, "usingen", reference, "approve", "Die Marke liegt bei.")
    links = [link for mail in _mails(app) for link in _status_links(mail)]
    # confirmation, information request, decision
    assert len(links) == 3 and len(set(links)) == 3
    fresh = town_client(app, "usingen")
    for path in [submission_link, *map(_path, links)]:
        assert fresh.get(path).status_code == 200
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        stored = {row.token_hash for row in db.session.scalars(select(CaseAccessToken))}
    tokens = [path.rsplit("/", 1)[1] for path in [submission_link, *map(_path, links)]]
    assert all(len(token) >= 22 and token not in stored and hash_token(token) in stored for token in tokens)


def test_a_revoked_link_is_a_404(app):
    citizen, link, _ = _apply(app, "usingen")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.scalars(select(CaseAccessToken)).one().revoked_at = db.func.now()
        db.session.commit()
    assert citizen.get(link).status_code == 404


def test_the_citizen_downloads_their_own_upload_from_the_status_page(app):
    citizen, link, _ = _apply(app, "usingen")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.scalars(select(Case)).one().status = "waiting_for_citizen"
        db.session.commit()
    page = citizen.get(link).get_data(as_text=True)
    citizen.post(link + "/antworten", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "nachricht": "Anbei der Impfpass.",
        "dokumente": (io.BytesIO(PDF), "impfpass.pdf")})
    html = citizen.get(link).get_data(as_text=True)
    upload = re.search(r'href="(/vorgang/[^"]+/dokumente/\d+)">impfpass.pdf<', html).group(1)
    response = citizen.get(upload)
    assert response.status_code == 200 and response.data == PDF
    assert "impfpass.pdf" in response.headers["Content-Disposition"]


def test_a_decision_letter_is_offered_to_the_citizen(app):
    citizen, link, reference = _apply(app, "usingen")
    _clerk_step(app, "usingen", reference, "start")
    _clerk_step(app, "usingen", reference, "approve", "Die Marke liegt bei.")
    html = citizen.get(link).get_data(as_text=True)
    letter = re.search(r'href="(/vorgang/[^"]+/dokumente/\d+)">(bescheid[^<]*\.pdf)<', html)
    assert letter is not None and "Schreiben der Verwaltung" in html
    response = citizen.get(letter.group(1))
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_internal_documents_are_neither_listed_nor_downloadable(app):
    citizen, link, reference = _apply(app, "usingen")
    internal = _store(app, "usingen", reference, "vermerk-intern.pdf", "clerk")
    assert "vermerk-intern.pdf" not in citizen.get(link).get_data(as_text=True)
    assert citizen.get(f"{link}/dokumente/{internal}").status_code == 404


def test_another_cases_document_with_this_link_is_a_404(app):
    citizen, link, _ = _apply(app, "usingen")
    _, _, other_reference = _apply(app, "usingen")
    other = _store(app, "usingen", other_reference, "fremd.pdf", "citizen")
    assert citizen.get(f"{link}/dokumente/{other}").status_code == 404


def test_a_document_link_is_a_404_on_another_towns_host(app):
    citizen, link, reference = _apply(app, "usingen")
    own = _store(app, "usingen", reference, "eigen.pdf", "citizen")
    assert citizen.get(f"{link}/dokumente/{own}").status_code == 200
    assert town_client(app, "schmitten").get(f"{link}/dokumente/{own}").status_code == 404


@pytest.mark.parametrize("reader", ["citizen", "clerk"])
def test_the_receipt_is_the_same_pdf_for_citizen_and_clerk(app, reader):
    citizen, link, reference = _apply(app, "usingen")
    if reader == "citizen":
        response = citizen.get(link + "/eingangsbestaetigung.pdf")
    else:
        clerk = town_client(app, "usingen")
        login_as(clerk, "clerk")
        response = clerk.get(f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert f"Eingangsbestaetigung-{reference}.pdf" in response.headers["Content-Disposition"]
