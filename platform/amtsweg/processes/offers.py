"""What the current town offers: each process it has switched on, with its current version and the
town's overrides.

The catalogue and the town's start page need the offer on every view, and it rarely changes, so
each app process keeps it per town. It is read again when it changed: at once in the process whose
commit touched an enablement or a process, and in every other process as soon as it sees the
newest change of the town's enablements or of the library move, which it asks at most every
``CHECK_SECONDS`` (one small statement).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from time import monotonic
from types import MappingProxyType
from typing import Any

from cachetools import LRUCache
from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from amtsweg.extensions import db
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.tenancy.context import current_tenant

# How often a process asks whether another process changed a town's offer.
CHECK_SECONDS = 2.0
# Towns whose offer a process keeps (memory stays bounded with any number of towns).
TOWNS_KEPT = 4096
_EXTENSION = "amtsweg.offers"
_CHANGED = "amtsweg.offers_changed"

OfferKeys = tuple[tuple[int, int | None], ...]


@dataclass(frozen=True)
class OfferedEntry:
    """One process the town offers: its current version (id and content hash) and the town's overrides."""

    process_id: int
    slug: str
    version_id: int
    version: str
    # Shared by every view of the town until the offer changes: read-only.
    overrides: MappingProxyType[str, Any]


@dataclass
class _Offer:
    entries: dict[str, OfferedEntry]
    keys: OfferKeys
    stamp: tuple[Any, ...]
    checked_at: float


_lock = threading.Lock()


def _offers() -> LRUCache[int, _Offer]:
    offers: LRUCache[int, _Offer] = current_app.extensions.setdefault(_EXTENSION, LRUCache(maxsize=TOWNS_KEPT))
    return offers


# What the town offers: its enabled processes (the offer changes exactly when one of these rows does).
def _offered(*columns: Any) -> Any:
    return (select(*columns).join(ProcessEnablement, ProcessEnablement.process_id == Process.id)
            .join(ProcessVersion, ProcessVersion.id == Process.current_version_id)
            .where(ProcessEnablement.enabled.is_(True)))


def _stamp() -> tuple[Any, ...]:
    """When the offer last changed: the newest change of its enablements and processes, and how many
    there are (switching one off drops it from both)."""
    row = db.session.execute(_offered(
        func.max(ProcessEnablement.updated_at), func.count(ProcessEnablement.id), func.max(Process.updated_at))).one()
    return tuple(row)


def _read(now: float) -> _Offer:
    rows = db.session.execute(
        _offered(Process.id, Process.slug, ProcessVersion.id, ProcessVersion.version, ProcessEnablement.overrides,
                 ProcessEnablement.updated_at, Process.updated_at)
        .order_by(Process.id)
    ).all()
    entries = {
        slug: OfferedEntry(process_id, slug, version_id, version, MappingProxyType(dict(overrides or {})))
        for process_id, slug, version_id, version, overrides, _enabled_at, _changed_at in rows
    }
    keys = tuple((entry.process_id, entry.version_id) for entry in entries.values())
    # The stamp of these rows, as _stamp() would read it.
    stamp = (max((row[5] for row in rows), default=None), len(rows), max((row[6] for row in rows), default=None))
    return _Offer(entries, keys, stamp, now)


def _current_offer() -> _Offer:
    town = current_tenant().id
    offers = _offers()
    now = monotonic()
    with _lock:
        offer = offers.get(town)
    if offer is not None and now - offer.checked_at < CHECK_SECONDS:
        return offer
    if offer is None or offer.stamp != _stamp():
        offer = _read(now)
    else:
        offer.checked_at = now
    with _lock:
        offers[town] = offer
    return offer


def offered_keys() -> OfferKeys:
    """The current town's enabled processes as (process id, current version id), by process id."""
    return _current_offer().keys


def offered_entry(slug: str) -> OfferedEntry | None:
    """The process ``slug`` as the current town offers it; None if unknown or not switched on."""
    return _current_offer().entries.get(slug)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, (Process, ProcessEnablement)) for obj in changed):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_changed_offers(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        with _lock:
            _offers().clear()


@event.listens_for(Session, "after_rollback")
def _keep_offers(session: Session) -> None:
    session.info.pop(_CHANGED, None)
