"""Which site a request's host belongs to: a town, the member list, the cross-town admin, or none.

Fails closed: a host that is not exactly a town's ``<slug>.<BASE_DOMAIN>`` or one of its aliases
resolves to nothing (404). There is no fallback town.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from amtsweg.extensions import db
from amtsweg.tenancy.models import Tenant, TenantInfo

_HOST_WITH_PORT = re.compile(r"^(?P<name>[a-z0-9.-]{1,253})(:\d{1,5})?$")
SiteKind = Literal["tenant", "base", "admin"]


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


class TenantDirectory:
    """Host → town lookup, read from the database and kept for a few seconds per process."""

    def __init__(self, ttl_seconds: float = 10.0) -> None:
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._by_host: dict[str, TenantInfo] = {}
        self._by_slug: dict[str, TenantInfo] = {}
        self._base_domain = ""

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = 0.0

    def _refresh(self, base_domain: str) -> None:
        now = time.monotonic()
        if now - self._loaded_at < self._ttl and base_domain == self._base_domain:
            return
        rows = db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)).all()
        tenants = [row.info() for row in rows]
        by_host: dict[str, TenantInfo] = {}
        for tenant in tenants:
            by_host[f"{tenant.slug}.{base_domain}"] = tenant
            for alias in tenant.aliases:
                by_host[alias] = tenant
        with self._lock:
            self._by_host = by_host
            self._by_slug = {t.slug: t for t in tenants}
            self._base_domain = base_domain
            self._loaded_at = now

    def tenants(self, base_domain: str) -> list[TenantInfo]:
        self._refresh(base_domain)
        return list(self._by_slug.values())

    def by_slug(self, slug: str, base_domain: str) -> TenantInfo | None:
        self._refresh(base_domain)
        return self._by_slug.get(slug)

    def resolve(self, raw_host: str | None, base_domain: str) -> Site | None:
        host = normalise_host(raw_host)
        if host is None:
            return None
        if host == base_domain:
            return Site("base")
        if host == f"admin.{base_domain}":
            return Site("admin")
        self._refresh(base_domain)
        tenant = self._by_host.get(host)
        return Site("tenant", tenant) if tenant else None


directory = TenantDirectory()
