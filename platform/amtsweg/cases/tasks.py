"""Daily clean-up of online applications, town by town: expired drafts, then unlinked uploads."""

from __future__ import annotations

import logging

from sqlalchemy import select

from amtsweg.cases.drafts import delete_expired_drafts
from amtsweg.documents.services import remove_unlinked_uploads
from amtsweg.extensions import db
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.context import all_tenants_context, tenant_context
from amtsweg.tenancy.models import Tenant

log = logging.getLogger(__name__)


@periodic("applications.cleanup", "45 2 * * *")
def cleanup() -> None:
    """Delete expired drafts and uploads that belong to nothing for a day; safe to run twice."""
    with all_tenants_context():
        towns = [town.info() for town in db.session.scalars(select(Tenant))]
        db.session.rollback()
    for town in towns:
        with tenant_context(town):
            try:
                drafts = delete_expired_drafts()
                uploads = remove_unlinked_uploads()
            except Exception:
                # One town's problem must not stop the clean-up of the others.
                db.session.rollback()
                log.exception("application clean-up failed for %s", town.slug)
                continue
        log.info("application clean-up for %s: %d drafts, %d uploads removed", town.slug, drafts, uploads)
