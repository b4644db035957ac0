"""Guards that bind a blueprint to one kind of site (town, member list, cross-town admin)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, g
from werkzeug.exceptions import NotFound

from amtsweg.tenancy.resolution import SiteKind


def restrict_to(blueprint: Blueprint, kind: SiteKind, exempt: Callable[[], bool] | None = None) -> None:
    """Every route of ``blueprint`` is a 404 on any other kind of site."""

    @blueprint.before_request
    def _only_on_site() -> None:
        if exempt is not None and exempt():
            return
        site = g.get("site")
        if site is None or site.kind != kind:
            raise NotFound()
