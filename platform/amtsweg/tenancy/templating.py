"""Per-town template overrides with caches that can never mix towns.

``tenants/<slug>/templates/<name>`` wins over the shared template ``<name>`` for that town only.
A town with a ``templates/`` folder gets its own overlay of the app's Jinja environment
(``Environment.overlay``): the same globals and filters, a loader that looks in the town's folder
first, and a template cache of its own. A template compiled for one town is therefore never found
in another town's cache. Which towns have a folder is read once per process, when the town's
first page is rendered.
"""

from __future__ import annotations

import threading
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader

from amtsweg.tenancy.models import TenantInfo

# Jinja's default number of compiled templates kept per environment.
CACHE_SIZE = 400


class TenantEnvironments:
    """The Jinja environment to render with for a town: its overlay, or the shared one."""

    def __init__(self, shared: Environment, tenants_dir: Path) -> None:
        self.shared = shared
        self.tenants_dir = tenants_dir
        self._lock = threading.Lock()
        self._by_slug: dict[str, Environment] = {}

    def for_tenant(self, tenant: TenantInfo | None) -> Environment:
        """The environment for ``tenant`` (the shared one outside a town or without overrides)."""
        if tenant is None:
            return self.shared
        with self._lock:
            environment = self._by_slug.get(tenant.slug)
            if environment is None:
                environment = self._by_slug[tenant.slug] = self._overlay(tenant.slug)
        return environment

    def _overlay(self, slug: str) -> Environment:
        folder = self.tenants_dir / slug / "templates"
        if not folder.is_dir():
            return self.shared
        assert self.shared.loader is not None  # Flask always gives its environment a loader
        loaders: list[BaseLoader] = [FileSystemLoader(str(folder)), self.shared.loader]
        # An explicit cache size gives the overlay an empty cache of its own instead of a copy of the
        # shared one.
        return self.shared.overlay(loader=ChoiceLoader(loaders), cache_size=CACHE_SIZE)
