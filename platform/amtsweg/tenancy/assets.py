"""Files a town brings along in its folder (its logo); one lookup for pages, mails and PDFs."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import cairosvg
from flask import current_app

from amtsweg.tenancy.models import TenantInfo


def logo_file(tenant: TenantInfo) -> Path | None:
    """The town's logo (SVG) in its folder, or None when the file is missing."""
    path = Path(current_app.config["TENANTS_DIR"]) / tenant.slug / tenant.branding.get("logo", "logo.svg")
    return path if path.is_file() else None


def logo_data_uri(tenant: TenantInfo) -> str:
    """The logo as a ``data:`` URI for documents rendered without network access ('' if missing)."""
    path = logo_file(tenant)
    if path is None:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


# Pixels of the PNG logo: twice the 48 px it is shown at, sharp on high-density screens.
LOGO_PNG_SIZE = 96


def logo_png(tenant: TenantInfo) -> bytes | None:
    """The logo as PNG, for mail clients that show no SVG: the town's own ``<logo>.png`` next to the
    SVG where it gives one, else rendered from the SVG (once per file version); None without a logo."""
    path = logo_file(tenant)
    if path is None:
        return None
    own = path.with_suffix(".png")
    if own.is_file():
        return own.read_bytes()
    return _rendered_png(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _rendered_png(path: Path, modified: int) -> bytes:
    """``modified`` is part of the cache key, so a replaced logo is rendered again."""
    return bytes(cairosvg.svg2png(url=str(path), output_width=LOGO_PNG_SIZE, output_height=LOGO_PNG_SIZE))
