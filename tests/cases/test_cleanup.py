"""The daily clean-up: expired drafts go, their uploads a day later; live drafts and cases stay."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from amtsweg.cases import drafts
from amtsweg.cases.models import Draft
from amtsweg.cases.tasks import cleanup
from amtsweg.documents.models import Document
from amtsweg.documents.services import store_upload
from amtsweg.extensions import db
from amtsweg.jobs.schedule import discover
from amtsweg.processes.queries import enabled_process
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import select

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_cleanup_is_a_registered_daily_job():
    assert "applications.cleanup" in {job.name for job in discover()}


def test_expired_drafts_and_then_their_uploads_are_removed_in_every_town(app):
    town = tenant_info(app, "graevenwiesbach")
    with app.app_context(), tenant_context(town):
        offered = enabled_process("hundesteuer-anmelden")
        old, _ = drafts.start_draft(offered)
        fresh, _ = drafts.start_draft(offered)
        store_upload(io.BytesIO(PDF), "alt.pdf", accept=["pdf"], max_bytes=1024, draft_id=old.id)
        old.expires_at = datetime.now(UTC) - timedelta(days=1)
        db.session.commit()
        fresh_id = fresh.id

    with app.app_context():
        cleanup()
    with app.app_context(), tenant_context(town):
        assert [d.id for d in db.session.scalars(select(Draft))] == [fresh_id]
        [orphan] = db.session.scalars(select(Document)).all()
        assert orphan.draft_id is None
        orphan.created_at = datetime.now(UTC) - timedelta(days=2)
        db.session.commit()

    with app.app_context():
        cleanup()
    with app.app_context(), tenant_context(town):
        assert db.session.scalars(select(Document)).all() == []
