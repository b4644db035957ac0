"""Daily clean-up of SAML logins, town by town: logins never answered or expired, used assertion IDs.

Each new login also clears its town's; this catches towns where nobody logged in for a while.
"""

from __future__ import annotations

import logging

from amtsweg.auth.saml.services import delete_expired_logins
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.queries import in_each_town

log = logging.getLogger(__name__)


@periodic("citizen_logins.cleanup", "15 3 * * *")
def cleanup() -> None:
    """Delete expired SAML logins of every town; safe to run twice."""
    for town, _ in in_each_town(delete_expired_logins, "citizen login clean-up"):
        log.info("expired citizen logins of %s deleted", town.slug)
