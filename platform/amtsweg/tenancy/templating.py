"""Per-town template overrides with a cache that can never mix towns.

``tenants/<slug>/templates/<name>`` wins over the shared template ``<name>`` for that town only.
The override is loaded under the qualified name ``@<slug>/<name>``, so Jinja's template cache
(keyed by name) keeps one compiled template per town and name.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from flask.templating import Environment
from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound
from jinja2 import Environment as JinjaEnvironment

from amtsweg.tenancy.context import current_tenant_or_none

OVERRIDE_PREFIX = "@"


class TenantOverrideLoader(BaseLoader):
    """Loads only qualified names ``@<slug>/<name>`` from ``<tenants_dir>/<slug>/templates/``."""

    def __init__(self, tenants_dir: Path) -> None:
        self.tenants_dir = tenants_dir

    def path_for(self, slug: str, name: str) -> Path | None:
        base = (self.tenants_dir / slug / "templates").resolve()
        candidate = (base / name).resolve()
        if not candidate.is_relative_to(base) or not candidate.is_file():
            return None
        return candidate

    def get_source(
        self, environment: JinjaEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if not template.startswith(OVERRIDE_PREFIX):
            raise TemplateNotFound(template)
        slug, _, name = template[len(OVERRIDE_PREFIX) :].partition("/")
        path = self.path_for(slug, name)
        if path is None:
            raise TemplateNotFound(template)
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime


class TenantAwareEnvironment(Environment):
    """Flask's Jinja environment, resolving each template name for the current town first."""

    override_loader: TenantOverrideLoader

    def __init__(self, app: Any, **options: Any) -> None:
        super().__init__(app, **options)
        self.override_loader = TenantOverrideLoader(Path(app.config["TENANTS_DIR"]))
        self.loader = ChoiceLoader([self.override_loader, self.loader])

    def _qualified(self, name: str) -> str:
        tenant = current_tenant_or_none()
        if tenant is None or name.startswith(OVERRIDE_PREFIX):
            return name
        if self.override_loader.path_for(tenant.slug, name) is None:
            return name
        return f"{OVERRIDE_PREFIX}{tenant.slug}/{name}"

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Any:
        return super()._load_template(self._qualified(name), globals)
