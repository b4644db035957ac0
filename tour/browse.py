"""Driving the browser through the plan: one browser context per role, each visit loaded in every
language and width asked for, checked, and (for ``make tour``) photographed.

:class:`Tour` is what the plan's visits and set-up steps get: the browser page of a role, the
address of a path on a host, and the facts found so far (demo cases, links, ids).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tour.checks import (
    VISIT_FAILED,
    Finding,
    PageView,
    clip,
    read_page,
    read_pdf,
    run_page_checks,
    run_pdf_checks,
)

HERE = Path(__file__).resolve().parent
DESKTOP_WIDTH = 1280
PHONE_WIDTH = 390
HEIGHTS = {DESKTOP_WIDTH: 900, PHONE_WIDTH: 844}
# A download as the page fetches it (optionally after switching the language): status, type, body.
FETCH_SCRIPT = """async ([path, languageSwitch]) => {
  if (languageSwitch) await fetch(languageSwitch, {redirect: 'manual'});
  const response = await fetch(path);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 32768) binary += String.fromCharCode(...bytes.subarray(i, i + 32768));
  return {status: response.status, type: response.headers.get('content-type') || '', url: response.url,
          body: btoa(binary)};
}"""
# A page of this app loads in well under a second; waiting longer only delays reporting a missing button.
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Target:
    """The app under tour: its port on 127.0.0.1 (towns at ``<slug>.localhost``), the Flask app
    object for reading the demo data, and the folder its mails are written to."""

    port: int
    app: Any
    mail_dir: Path

    def url(self, host: str, path: str) -> str:
        return f"http://{host_name(host)}:{self.port}{path}"


def host_name(host: str) -> str:
    """A plan's host (a town's slug, "admin", "base" or "unknown") as a host name."""
    return {"base": "localhost", "unknown": "unbekannt.localhost"}.get(host, f"{host}.localhost")


@dataclass
class Shot:
    """One screenshot written by the tour, for the index."""

    name: str
    language: str
    width: int
    file: str
    url: str
    status: int


@dataclass
class RoleSession:
    """A role's browser context and page, with what the page reported while loading."""

    context: Any
    page: Any
    statuses: list[int] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.statuses.clear()
        self.console_errors.clear()
        self.failed_requests.clear()


class VisitFailed(Exception):
    """The tour could not bring a page into the state it visits (an earlier step failed, a form
    or link it uses is missing)."""


class Tour:
    """The browser, the app under tour and the facts gathered on the way."""

    def __init__(
        self,
        browser: Any,
        target: Target,
        roles: dict[str, Any],
        *,
        capabilities: Iterable[str] = (),
        ignored: Iterable[str] = (),
        shots_dir: Path | None = None,
        thorough: Callable[[Any, str, int], bool] = lambda visit, language, width: True,
    ) -> None:
        self.browser = browser
        self.target = target
        self.roles = roles
        self.capabilities = set(capabilities)
        self.ignored = tuple(sorted(set(ignored), key=len, reverse=True))
        self.shots_dir = shots_dir
        # Whether a visit in a language at a width gets the slow checks too (axe-core).
        self.thorough = thorough
        self.facts: dict[str, Any] = {}
        self.shots: list[Shot] = []
        self.pdf_shots: list[Shot] = []
        self._sessions: dict[str, RoleSession] = {}

    # ----------------------------------------------------------------------------- helpers for the plan

    def url(self, host: str, path: str) -> str:
        return self.target.url(host, path)

    def fact(self, key: str) -> Any:
        if key not in self.facts:
            raise VisitFailed(f"missing '{key}' (the step that finds it did not succeed)")
        return self.facts[key]

    def session(self, role: str) -> RoleSession:
        """The role's browser session, logged in on first use."""
        if role not in self._sessions:
            context = self.browser.new_context(
                locale="de-DE", viewport={"width": DESKTOP_WIDTH, "height": HEIGHTS[DESKTOP_WIDTH]}
            )
            context.set_default_timeout(TIMEOUT_MS)
            session = RoleSession(context, context.new_page())
            _listen(session)
            self._sessions[role] = session
            login = self.roles[role].login
            if login is not None:
                login(self, session.page)
        return self._sessions[role]

    def page(self, role: str) -> Any:
        return self.session(role).page

    def goto(self, role: str, host: str, path: str) -> Any:
        page = self.page(role)
        page.goto(self.url(host, path), wait_until="load")
        return page

    def close(self) -> None:
        for session in self._sessions.values():
            session.context.close()
        self._sessions.clear()

    # ----------------------------------------------------------------------------- visiting

    def capture(self, visit: Any, language: str, widths: Iterable[int]) -> list[Finding]:
        """Load ``visit`` in ``language``, then check (and photograph) it at each width."""
        widths = list(widths)
        try:
            if visit.kind == "page":
                return self._capture_page(visit, language, widths)
            return self._capture_download(visit, language)
        except Exception as exc:  # every failure of a visit is reported, the tour goes on
            return [Finding(visit.name, language, widths[0] if visit.kind == "page" else 0, VISIT_FAILED,
                            clip(failure_reason(exc), 400))]

    def _capture_page(self, visit: Any, language: str, widths: list[int]) -> list[Finding]:
        session = self.session(visit.role)
        page = session.page
        path = visit.path(self) if callable(visit.path) else visit.path
        page.set_viewport_size({"width": DESKTOP_WIDTH, "height": HEIGHTS[DESKTOP_WIDTH]})
        # Leave the previous page first: what its checks still load or log (axe reading stylesheets)
        # would otherwise be reported for this one.
        page.goto("about:blank")
        session.reset()
        if visit.switch_language:
            page.goto(self.url(visit.host, f"/sprache/{language}?weiter={quote(path)}"), wait_until="load")
        else:
            page.goto(self.url(visit.host, path), wait_until="load")
        if visit.act is not None:
            visit.act(self, page)
        status = session.statuses[-1] if session.statuses else 0
        # What loading reported; the checks' own requests (axe reads the stylesheets) are not the page's.
        console_errors, failed_requests = list(session.console_errors), list(session.failed_requests)
        findings = []
        for width in widths:
            page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
            html_lang, blocks = read_page(page)
            view = PageView(
                visit.name, language, width, status, visit.status, page, blocks, html_lang, self.ignored,
                console_errors, failed_requests, self.thorough(visit, language, width),
            )
            findings += run_page_checks(view)
            if self.shots_dir is not None:
                file = Path(language) / str(width) / f"{visit.name}.png"
                (self.shots_dir / file).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(self.shots_dir / file), full_page=True)
                self.shots.append(Shot(visit.name, language, width, file.as_posix(), page.url, status))
        return findings

    def _capture_download(self, visit: Any, language: str) -> list[Finding]:
        session = self.session(visit.role)
        page = session.page
        path = visit.path(self) if callable(visit.path) else visit.path
        origin = self.url(visit.host, "")
        if not page.url.startswith(origin + "/"):
            # Downloads are fetched by the page itself (with its cookies), from the same site.
            page.goto(self.url(visit.host, "/healthz"), wait_until="load")
        switch = f"/sprache/{language}" if visit.switch_language else None
        download = page.evaluate(FETCH_SCRIPT, [path, switch])
        findings = []
        if download["status"] >= 500 or download["status"] != visit.status:
            findings.append(Finding(visit.name, language, 0, "status",
                                    f"HTTP {download['status']}, expected {visit.status}"))
        content = base64.b64decode(download["body"])
        if visit.kind == "pdf" and download["status"] == 200:
            if not content.startswith(b"%PDF"):
                findings.append(Finding(visit.name, language, 0, "status", f"not a PDF: {download['type']}"))
            else:
                findings += run_pdf_checks(read_pdf(visit.name, language, content))
                self._photograph_pdf(visit.name, language, content, download["url"])
        return findings

    def _photograph_pdf(self, name: str, language: str, content: bytes, url: str) -> None:
        if self.shots_dir is None or shutil.which("pdftoppm") is None:
            return
        folder = self.shots_dir / language / "pdf"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(content)
            handle.flush()
            subprocess.run(["pdftoppm", "-png", "-r", "80", handle.name, str(folder / name)], check=True)
        for image in sorted(folder.glob(f"{name}-*.png")):
            self.pdf_shots.append(Shot(name, language, 0, image.relative_to(self.shots_dir).as_posix(), url, 200))


def _listen(session: RoleSession) -> None:
    page = session.page

    def on_response(response: Any) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame:
            session.statuses.append(response.status)
        elif response.status >= 400:
            session.failed_requests.append(f"HTTP {response.status} for {request.resource_type} {response.url}")

    page.on("response", on_response)
    def on_failure(request: Any) -> None:
        # Requests cancelled because the page moved on (a form sent, a redirect) broke nothing.
        if request.failure != "net::ERR_ABORTED":
            session.failed_requests.append(f"{request.failure} for {request.resource_type} {request.url}")

    page.on("requestfailed", on_failure)
    # A failed download is reported with its address above; the console repeats it without one.
    page.on("console", lambda message: session.console_errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: session.console_errors.append(str(error)))


def failure_reason(exc: Exception) -> str:
    if isinstance(exc, VisitFailed):
        return f"could not be visited: {exc}"
    # Where in the tour it happened (not inside Playwright).
    ours = [frame for frame in traceback.extract_tb(exc.__traceback__) if Path(frame.filename).parent == HERE]
    where = f" ({Path(ours[-1].filename).name}:{ours[-1].lineno})" if ours else ""
    return f"could not be visited: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{where}"

