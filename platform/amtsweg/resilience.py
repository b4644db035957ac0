"""Riding out a database restart: pooled connections are pinged before use (``pool_pre_ping``),
and a read-only request (GET, HEAD) whose connection breaks under it is run once more on a fresh
one. A request that may change something is never repeated; it gets the error page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import request
from sqlalchemy.exc import DBAPIError

from amtsweg.extensions import db

log = logging.getLogger(__name__)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
# A fast restart of PostgreSQL takes about a second; wait a little before the one retry.
RETRY_PAUSE_SECONDS = 0.5


def lost_connection(error: BaseException) -> bool:
    """The database connection broke (server restarted or unreachable), as opposed to a bad statement."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def dispatch_with_one_retry(dispatch: Callable[[], Any]) -> Any:
    """Run the view; a GET or HEAD that lost its database connection runs once more."""
    try:
        return dispatch()
    except DBAPIError as error:
        if not lost_connection(error) or request.method not in IDEMPOTENT_METHODS:
            raise
        log.warning("database connection lost during %s %s; trying once more", request.method, request.endpoint)
        db.session.rollback()
        time.sleep(RETRY_PAUSE_SECONDS)
        return dispatch()
