"""Files follow their transaction: a received file moves into storage only after the transaction
that records its Document row has committed, and is removed when that transaction rolls back.

A received file is first renamed in the staging folder to a name that encodes its storage key.
If the process dies between the commit and the move, the staged file stays behind with a row
pointing at its key; the periodic sweep (``documents.tasks``) finishes such moves and removes
whatever else is left in the staging folder for longer than an hour (uploads of killed requests,
files of transactions that never committed).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import event
from sqlalchemy.orm import Session

from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db

log = logging.getLogger(__name__)
_PENDING = "amtsweg_documents_after_commit"
_STAGED_PREFIX = "key-"


def staged_name(key: str) -> str:
    """The staging folder's name of a file waiting for ``key`` (the key survives in it, quoted)."""
    return _STAGED_PREFIX + quote(key, safe="")


def key_of_staged(name: str) -> str | None:
    """The storage key a staged file is waiting for, or None for any other file in the folder."""
    return unquote(name.removeprefix(_STAGED_PREFIX)) if name.startswith(_STAGED_PREFIX) else None


def store_after_commit(key: str, received: Path, sha256: str | None = None) -> None:
    """Move the complete file ``received`` (in the staging folder) into storage under ``key`` once
    the current transaction commits; a rollback removes it. With ``sha256`` the store checks what
    it received where it can."""
    staged = received.with_name(staged_name(key))
    os.replace(received, staged)
    db.session.info.setdefault(_PENDING, {})[key] = (staged, sha256)


def forget_pending(key: str) -> bool:
    """Drop the file of ``key`` if it waits for this transaction (its row is deleted again)."""
    pending = db.session.info.get(_PENDING, {}).pop(key, None)
    if pending is None:
        return False
    pending[0].unlink(missing_ok=True)
    return True


@event.listens_for(Session, "after_commit")
def _store_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    storage = get_storage()
    for key, (staged, sha256) in pending.items():
        try:
            storage.put(key, staged, sha256)
        except Exception:
            # The row is committed and the staged file kept: the staging sweep moves it later.
            log.exception("moving %s into storage failed", key)


@event.listens_for(Session, "after_transaction_end")
def _discard_uncommitted(session: Session, transaction: Any) -> None:
    # Runs after after_commit; whatever is still waiting belonged to a transaction that did not commit.
    if transaction.parent is None:
        for staged, _sha256 in session.info.pop(_PENDING, {}).values():
            staged.unlink(missing_ok=True)
