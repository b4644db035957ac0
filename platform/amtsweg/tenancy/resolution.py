"""Which site a request's host belongs to: a town, the member list, the cross-town admin, or none.

Fails closed: a host that is not exactly a town's ``<slug>.<BASE_DOMAIN>`` or one of its aliases
resolves to nothing (404). There is no fallback town.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from sqlalchemy import func, select

from amtsweg.extensions import db
from amtsweg.tenancy.models import Tenant, TenantAlias, TenantInfo

_HOST_WITH_PORT = re.compile(r"^(?P<name>[a-z0-9.-]{1,253})(:\d{1,5})?$")
SiteKind = Literal["tenant", "base", "admin"]
# Hosts and slugs a process keeps (known and unknown ones): memory stays bounded with any number of towns.
CACHE_SIZE = 2048
# How often a process asks whether the towns changed (one indexed statement).
CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Site:
    kind: SiteKind
    tenant: TenantInfo | None = None


def normalise_host(raw: str | None) -> str | None:
    """Lower-case host name without port and trailing dot; None for anything malformed."""
    if not raw:
        return None
    match = _HOST_WITH_PORT.match(raw.strip().lower())
    if not match:
        return None
    name = match.group("name").rstrip(".")
    if not name or ".." in name or name.startswith((".", "-")):
        return None
    return name


def _active_town(*conditions: object) -> TenantInfo | None:
    row = db.session.scalar(select(Tenant).where(Tenant.active.is_(True), *conditions))  # type: ignore[arg-type]
    return row.info() if row is not None else None


def _town_of_host(host: str, base_domain: str) -> TenantInfo | None:
    """One indexed lookup: by slug for ``<slug>.<base>``, else by alias."""
    slug, dot, rest = host.partition(".")
    if dot and rest == base_domain:
        town = _active_town(Tenant.slug == slug)
        if town is not None:
            return town
    return _active_town(Tenant.id == select(TenantAlias.tenant_id).where(TenantAlias.host == host).scalar_subquery())


def _town_of_slug(slug: str) -> TenantInfo | None:
    return _active_town(Tenant.slug == slug)


class TenantDirectory:
    """Host → town: one indexed lookup per host, then kept in a bounded cache of this process.

    The cache is emptied when the towns change: at once in the process that synced them
    (:meth:`invalidate`), and in every other process as soon as it sees the newest
    ``tenant.updated_at`` move, which it asks at most every ``check_seconds``. No process ever
    loads every town.
    """

    def __init__(self, size: int = CACHE_SIZE, check_seconds: float = CHECK_SECONDS) -> None:
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._stamp: datetime | None = None
        self._by_host: Callable[[str, str], TenantInfo | None] = lru_cache(maxsize=size)(_town_of_host)
        self._by_slug: Callable[[str], TenantInfo | None] = lru_cache(maxsize=size)(_town_of_slug)

    def invalidate(self) -> None:
        with self._lock:
            self._clear()
            self._checked_at = 0.0
            self._stamp = None

    def _clear(self) -> None:
        self._by_host.cache_clear()  # type: ignore[attr-defined]
        self._by_slug.cache_clear()  # type: ignore[attr-defined]

    def _notice_changes(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self._check_seconds:
            return
        stamp = db.session.scalar(select(func.max(Tenant.updated_at)))
        with self._lock:
            if stamp != self._stamp:
                self._clear()
                self._stamp = stamp
            self._checked_at = now

    def cached_hosts(self) -> int:
        return int(self._by_host.cache_info().currsize)  # type: ignore[attr-defined]

    def by_slug(self, slug: str) -> TenantInfo | None:
        """The active town ``slug`` (None if there is none)."""
        self._notice_changes()
        return self._by_slug(slug)

    def resolve(self, raw_host: str | None, base_domain: str) -> Site | None:
        host = normalise_host(raw_host)
        if host is None:
            return None
        if host == base_domain:
            return Site("base")
        if host == f"admin.{base_domain}":
            return Site("admin")
        self._notice_changes()
        tenant = self._by_host(host, base_domain)
        return Site("tenant", tenant) if tenant else None


directory = TenantDirectory()
