"""The citizen's application as a plan of requests: the real form flow with session and CSRF token.

One plan is written as Lua data for ``wrk/flow.lua`` (each wrk thread is one citizen) and run once
beforehand by a Python client, which checks that it reaches the confirmation page, times each
step alone and counts its SQL statements.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests

PROCESS = "zweitwohnungsteuer-abmelden"
UPLOAD_BYTES = 1024 * 1024
BOUNDARY = "----amtsweg-bench-7f3a9c"
_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
_KEY = re.compile(r'name="einreichung"[^>]*?value="([^"]+)"')


@dataclass(frozen=True)
class Step:
    label: str
    method: str
    path: str
    expect: int
    # Body segments: text, "{csrf}", "{key}" (the review page's submission key) or "{file:upload}".
    body: tuple[str, ...] = ()
    content_type: str = ""


def upload_file(folder: Path) -> Path:
    """A 1 MB PDF (recognised by its content, as the upload check requires)."""
    path = folder / "nachweis.pdf"
    line = b"% Nachweis ueber das Ende der Innehabung der Zweitwohnung - Lastmessung amtsweg\n"
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"trailer << /Root 1 0 R >>\n%%EOF\n"
    padding = line * ((UPLOAD_BYTES - len(head) - len(tail)) // len(line) + 1)
    path.write_bytes((head + padding)[: UPLOAD_BYTES - len(tail)] + tail)
    return path


def _form(fields: dict[str, str]) -> tuple[str, ...]:
    return ("csrf_token=", "{csrf}", "&" + urlencode(fields))


def _multipart(fields: dict[str, str], file_field: str, filename: str) -> tuple[str, ...]:
    parts = [f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n", "{csrf}", "\r\n"]
    for name, value in fields.items():
        parts.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    parts.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{file_field}\"; "
                 f"filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n")
    parts += ["{file:upload}", f"\r\n--{BOUNDARY}--\r\n"]
    return tuple(parts)


def application_steps(today: date) -> list[Step]:
    """The 11 requests of one application of :data:`PROCESS` with a 1 MB upload."""
    base = f"/antrag/{PROCESS}"
    form = "application/x-www-form-urlencoded"
    moved_out = (today - timedelta(days=10)).strftime("%d.%m.%Y")
    return [
        Step("start page of the form", "GET", f"{base}/", 200),
        Step("start (new draft)", "POST", f"{base}/starten", 302, _form({}), form),
        Step("step 1 form", "GET", f"{base}/schritt/1", 200),
        Step("step 1 sent", "POST", f"{base}/schritt/1", 302, _form({
            "vorname": "Erika", "nachname": "Mustermann", "email": "erika.mustermann@example.org",
            "kassenzeichen": "ZWS-4711", "aktion": "weiter"}), form),
        Step("step 2 form", "GET", f"{base}/schritt/2", 200),
        Step("step 2 sent with 1 MB upload", "POST", f"{base}/schritt/2", 302, _multipart({
            "zweitwohnung.street": "Am Marktplatz", "zweitwohnung.house_number": "3",
            "zweitwohnung.postal_code": "61267", "zweitwohnung.city": "Neu-Anspach", "grund": "hauptwohnung",
            "datum": moved_out, "aktion": "weiter"}, "nachweis", "nachweis.pdf"),
            f"multipart/form-data; boundary={BOUNDARY}"),
        Step("step 3 form", "GET", f"{base}/schritt/3", 200),
        Step("step 3 sent", "POST", f"{base}/schritt/3", 302, _form({"versicherung": "richtig", "aktion": "weiter"}),
             form),
        Step("review", "GET", f"{base}/pruefen", 200),
        Step("submit", "POST", f"{base}/absenden", 302,
             ("csrf_token=", "{csrf}", "&einreichung=", "{key}", "&datenschutz=1&wahrheit=1"), form),
        Step("confirmation", "GET", f"{base}/eingang", 200),
    ]


def browsing_steps() -> list[Step]:
    """What a citizen looks at before applying (the mix of the concurrency run)."""
    return [
        Step("catalogue", "GET", "/leistungen", 200),
        Step("catalogue search", "GET", "/leistungen?suche=wohnung", 200),
        Step("service page", "GET", f"/leistungen/{PROCESS}", 200),
    ]


def _lua(value: object) -> str:
    if isinstance(value, str):
        # A quoted string with escapes: Lua's long brackets would turn the multipart's CRLF into LF.
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    raise TypeError(value)


def write_lua_data(path: Path, hosts: list[str], steps: list[Step], upload: Path) -> Path:
    """The plans for ``wrk/flow.lua``: "flow" (the application) and "mix" (browsing, then applying)."""

    def plan(items: list[Step]) -> list[dict[str, object]]:
        return [
            {"method": s.method, "path": s.path, "expect": s.expect,
             **({"body": list(s.body), "content_type": s.content_type} if s.body else {})}
            for s in items
        ]

    data = {"hosts": hosts, "files": {"upload": str(upload)},
            "plans": {"flow": plan(steps), "mix": plan(browsing_steps() + steps)}}
    path.write_text("return " + _lua(data) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class StepTiming:
    label: str
    milliseconds: float
    statements: int


def run_once(base_url: str, host: str, steps: list[Step], upload: Path, count_statements: object) -> list[StepTiming]:
    """Go through ``steps`` as one citizen; fail on any unexpected answer.

    ``count_statements()`` returns the SQL statements run so far (pg_stat_statements).
    """
    session = requests.Session()
    # A browser sends the form's page as Referer (Flask-WTF checks it on HTTPS) and its cookie,
    # which is marked Secure: the client here talks plain HTTP to gunicorn, as nginx would.
    session.headers.update({"Host": host, "X-Forwarded-Proto": "https", "Referer": f"https://{host}/"})
    file_bytes = upload.read_bytes()
    csrf = key = cookie = ""
    timings = []
    for step in steps:
        body = None
        headers = {"Cookie": cookie} if cookie else {}
        if step.body:
            values = {"{csrf}": csrf, "{key}": key}
            body = b"".join(
                file_bytes if part == "{file:upload}" else values.get(part, part).encode() for part in step.body
            )
            headers["Content-Type"] = step.content_type
        before = count_statements()  # type: ignore[operator]
        started = time.perf_counter()
        response = session.request(step.method, base_url + step.path, data=body, headers=headers,
                                    allow_redirects=False, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != step.expect:
            raise RuntimeError(f"{step.label}: {step.method} {step.path} answered {response.status_code}, "
                               f"expected {step.expect}:\n{response.text[:3000]}")
        timings.append(StepTiming(step.label, elapsed, count_statements() - before))  # type: ignore[operator]
        if "Set-Cookie" in response.headers:
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        if step.method == "GET":
            csrf = (_CSRF.search(response.text) or [None, csrf])[1]
            key = (_KEY.search(response.text) or [None, key])[1]
    return timings
