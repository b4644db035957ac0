"""PDF output. Every document the platform produces is tagged PDF/UA-1 (readable by screen readers,
with the language and title of its HTML) and is rendered without loading anything over the network:
letters contain what citizens typed, and a fetched URL would be a way to reach internal hosts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def render_pdf(html: str, stylesheets: Sequence[Path] = ()) -> bytes:
    """The HTML as tagged PDF/UA-1; ``stylesheets`` are local CSS files applied on top.

    Only ``data:`` URLs are loaded (images are embedded); any other URL is skipped with a warning.
    """
    from weasyprint import CSS, HTML  # imported on use: loading WeasyPrint takes a moment
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], allow_redirects=False)
    document = HTML(string=html, url_fetcher=fetcher)
    result: bytes = document.write_pdf(
        stylesheets=[CSS(filename=str(path)) for path in stylesheets], pdf_variant="pdf/ua-1"
    )
    return result
