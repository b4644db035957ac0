"""Filling in forms in the browser as a person would: valid answers typed into the inputs of a step,
sample files for uploads, and any form sent by its action address.

Forms are found by their ``action`` (a URL path, which stays when templates change), inputs by
their ``name``. Values are set with the input and change events the page's scripts listen to, so
conditional fields appear as they do for a person typing.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from amtsweg.forms.form import Step
from amtsweg.processes.sample_answers import valid_answers
from amtsweg.processes.schema import ProcessDefinition

Values = Mapping[str, str | list[str]]

_FILL_SCRIPT = """(form, values) => {
  for (const [name, value] of Object.entries(values)) {
    const wanted = Array.isArray(value) ? value : [value];
    for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (el.type === 'file' || el.type === 'hidden') continue;
      if (el.type === 'checkbox' || el.type === 'radio') el.checked = wanted.includes(el.value);
      else el.value = wanted[0];
      el.dispatchEvent(new Event('input', {bubbles: true}));
      el.dispatchEvent(new Event('change', {bubbles: true}));
    }
  }
}"""


def sample_pdf() -> bytes:
    """A one-page PDF to upload."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def sample_png(width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG to upload (for fields that take images only)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def upload_for(accept: list[str]) -> dict[str, Any]:
    """A file Playwright can set on a file input that takes the kinds in ``accept``."""
    if "pdf" in accept:
        return {"name": "nachweis.pdf", "mimeType": "application/pdf", "buffer": sample_pdf()}
    return {"name": "foto.png", "mimeType": "image/png", "buffer": sample_png()}


def _typed(fld: Any, value: Any) -> str | list[str]:
    """One answer as a person types or ticks it: as the field type shows it in its input again."""
    shown = fld.input_value(value)
    return [str(v) for v in shown] if isinstance(shown, list) else str(shown)


def step_inputs(definition: ProcessDefinition, step: Step, answers: dict[str, Any] | None = None
                ) -> tuple[dict[str, str | list[str]], dict[str, list[str]]]:
    """The inputs of one step filled with valid answers: values by input name, and the file inputs
    with the kinds each accepts."""
    answers = valid_answers(definition) if answers is None else answers
    values: dict[str, str | list[str]] = {}
    files: dict[str, list[str]] = {}

    def put(fld: Any, path: str, value: Any) -> None:
        if fld.type == "file":
            files[path] = list(fld.accept)
        elif fld.type == "address":
            for part, text in value.items():
                values[f"{path}.{part}"] = str(text)
        elif fld.type == "group":
            subs = {sub.id: sub for sub in fld.fields}
            for index, item in enumerate(value):
                for key, sub_value in item.items():
                    put(subs[key], f"{path}.{index}.{key}", sub_value)
        elif value is not None:
            values[path] = _typed(fld, value)

    for fld in step.fields:
        if fld.id in answers:
            put(fld, fld.id, answers[fld.id])
    return values, files


def fill(form: Any, values: Values, files: Mapping[str, list[str]] | None = None) -> None:
    """Type ``values`` into the inputs of ``form`` (a Playwright locator) and attach sample files."""
    form.evaluate(_FILL_SCRIPT, dict(values))
    for name, accept in (files or {}).items():
        file_input = form.locator(f'input[type=file][name="{name}"]')
        if file_input.count():
            file_input.first.set_input_files(upload_for(accept))


def send(page: Any, action: str | None, values: Values | None = None, *, files: Mapping[str, list[str]] | None = None,
         button: tuple[str, str] | None = None, upload: dict[str, Any] | Path | None = None) -> None:
    """Fill the form whose action is ``action`` (the main content's first form when None) and send it
    with its submit button (the one with ``button`` = (name, value) when given); waits for the page
    that answers. ``upload`` attaches one given file (or the file at a path) to the form's first file input."""
    form = form_for(page, action)
    if values or files:
        fill(form, values or {}, files)
    if upload is not None:
        form.locator("input[type=file]").first.set_input_files(upload)
    selector = f'button[name="{button[0]}"][value="{button[1]}"]' if button else "button[type=submit]"
    # Not the hidden default button a form may start with (it only catches the Enter key).
    with page.expect_navigation(wait_until="load"):
        form.locator(f"{selector}:not([aria-hidden=true]):visible").first.click()


def form_for(page: Any, action: str | None) -> Any:
    """The form that sends to ``action`` (a path, with its query), or the main content's first form.

    A form without an action attribute sends to its page's own address, so forms are compared by
    where they send to, not by their markup.
    """
    if action is None:
        return page.locator("main form").first
    index = page.evaluate(
        """action => [...document.forms].findIndex(f => {
             const url = new URL(f.action, location.href);
             return url.pathname + url.search === action;
           })""",
        action,
    )
    if index < 0:
        raise LookupError(f"no form sending to {action} on {page.url}")
    return page.locator("form").nth(index)
