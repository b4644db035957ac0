"""Files a town brings along in its folder (its logo); one lookup for pages, mails and PDFs."""

from __future__ import annotations

import base64
from pathlib import Path

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
