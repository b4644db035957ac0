"""Daily clean-up of SAML logins, town by town: logins never answered or expired, used assertion IDs.

Each new login also clears its town's; this catches towns where nobody logged in for a while.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from amtsweg.auth.saml.services import delete_expired_logins
from amtsweg.extensions import db
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.context import all_tenants_context, tenant_context
from amtsweg.tenancy.models import Tenant

log = logging.getLogger(__name__)


@periodic("citizen_logins.cleanup", "15 3 * * *")
def cleanup() -> None:
    """Delete expired SAML logins of every town; safe to run twice."""
    with all_tenants_context():
        towns = [town.info() for town in db.session.scalars(select(Tenant))]
        db.session.rollback()
    for town in towns:
        with tenant_context(town):
            try:
                delete_expired_logins()
            except Exception:
                # One town's problem must not stop the clean-up of the others.
                db.session.rollback()
                log.exception("citizen login clean-up failed for %s", town.slug)
