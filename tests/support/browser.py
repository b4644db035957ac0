"""A live server in a thread and Debian's Chromium driven by Playwright, with axe-core checks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    """Serves ``app`` on a free loopback port; town hosts are ``<slug>.localhost:<port>``."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def town_url(self, slug: str, path: str = "/") -> str:
        return self.url(f"{slug}.localhost", path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@contextmanager
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# WCAG 2.1 A/AA rules; only violations are collected (passes would double the run time).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (axe-playwright-python's copy) on the page; returns the violations with their nodes.

    axe is injected once per loaded document, so checking a page again (e.g. at another width)
    only runs the rules.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        from axe_playwright_python.base import AXE_SCRIPT

        page.evaluate(AXE_SCRIPT)
    return page.evaluate("options => axe.run(document, options).then(result => result.violations)", AXE_OPTIONS)


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        lines.append(f"{violation['id']}: {violation['help']} — {targets[:5]}")
    return "\n".join(lines)


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def visible_text(locator: Any) -> str:
    """What a person reads in ``locator``, with no-break spaces as spaces and white space folded."""
    return " ".join(locator.inner_text().replace("\u00a0", " ").split())


def check_at_both_widths(page: Any, shots: Path, name: str) -> None:
    """The page is axe-clean and no wider than the screen on a desktop and a 390 px phone; a
    screenshot of each lands in ``shots`` as ``<name>-desktop.png`` and ``<name>-390.png``."""
    for size, label in ((DESKTOP, "desktop"), (PHONE, "390")):
        page.set_viewport_size(size)
        violations = axe_violations(page)
        assert violations == [], f"{name} {label}: {describe_violations(violations)}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name}: overflow"
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
