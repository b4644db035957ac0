"""Test helpers for the eAkte: cases with stored documents, clerks, and reading the store."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from typing import Any

from amtsweg.auth.models import User
from amtsweg.auth.roles import TEAM_LEAD
from amtsweg.cases.models import Case
from amtsweg.documents.models import Document
from amtsweg.documents.services import Editor, store_upload
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.processes.models import Process
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from flask import Flask
from sqlalchemy import select

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
APPLICANT = "Hannelore Testperson-Quast"
EMAIL = "hannelore.quast@example.org"


def make_case(app: Flask, town: str, process: str, *, status: str = "in_progress", closed_at: datetime | None = None,
              submitted_at: datetime | None = None, files: dict[str, bytes] | None = None, number: int = 1) -> str:
    """A case of ``process`` with uploaded documents (stored for real); returns its reference."""
    with app.app_context(), tenant_context(tenant_info(app, town)) as tenant:
        version_id = db.session.scalars(select(Process.current_version_id).filter_by(slug=process)).one()
        submitted = submitted_at or (closed_at - timedelta(days=20) if closed_at else datetime.now().astimezone())
        case = Case(
            reference=f"{tenant.reference_prefix}-{submitted.year}-{number:06d}", process_version_id=version_id,
            process_slug=process, answers={"name": APPLICANT, "email": EMAIL}, applicant_name=APPLICANT,
            applicant_email=EMAIL, status=status, idempotency_key=secrets.token_hex(32), submitted_at=submitted,
            closed_at=closed_at,
        )
        db.session.add(case)
        db.session.flush()
        for name, content in (files if files is not None else {"Nachweis Quast.pdf": PDF}).items():
            store_upload(io.BytesIO(content), name, accept=["pdf", "png"], max_bytes=1024 * 1024, case_id=case.id)
        if submitted_at is None and closed_at is None:
            # Submitted after its uploads, as in the portal: the receipt lists what was there then.
            case.submitted_at = datetime.now().astimezone()
        db.session.commit()
        return case.reference


def make_clerk(app: Flask, town: str, name: str = "Sabine Sachbearbeiterin",
               roles: tuple[str, ...] = ("clerk",)) -> Editor:
    """A staff account of the town, as the face hands it to the document services."""
    with app.app_context(), tenant_context(tenant_info(app, town)):
        user = User(issuer="https://idp.test", subject=name, display_name=name, roles=list(roles))
        db.session.add(user)
        db.session.commit()
        return Editor(user.id, user.label, user.has_role(TEAM_LEAD))


def case_by_reference(reference: str) -> Case:
    return db.session.scalars(select(Case).filter_by(reference=reference)).one()


def documents_of(reference: str) -> list[Document]:
    case = case_by_reference(reference)
    return list(db.session.scalars(select(Document).filter_by(case_id=case.id).order_by(Document.id)))


def stored_keys(app: Flask, prefix: str = "") -> set[str]:
    """Every key in the app's store (read from the store itself, not from the database)."""
    with app.app_context():
        return {stored.key for stored in get_storage().objects(prefix)}


def read_stored(app: Flask, key: str) -> bytes:
    with app.app_context(), get_storage().open(key) as content:
        return content.read()


def in_town(app: Flask, town: str) -> Any:
    """``with in_town(app, "usingen"):`` — an app context inside the town."""
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(app.app_context())
    stack.enter_context(tenant_context(tenant_info(app, town)))
    return stack
