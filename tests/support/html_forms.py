"""Reading the one form of a provider's page the way a browser would submit it, for tests that
drive a login without a browser."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    """The forms of a page: action and the values of their inputs (only checked radios)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append((values.get("action") or "", {}))
        elif tag == "input" and self.forms and values.get("name") and (
            values.get("type") != "radio" or "checked" in values
        ):
            self.forms[-1][1][values["name"] or ""] = values.get("value") or ""


def only_form(response: requests.Response) -> tuple[str, dict[str, str]]:
    """The absolute action and the fields of the page's single form; fails when there is not exactly one."""
    parser = _Forms()
    parser.feed(response.text)
    if len(parser.forms) != 1:
        raise AssertionError(f"expected one form at {response.url} ({response.status_code}):\n{response.text[:2000]}")
    action, fields = parser.forms[0]
    return urljoin(response.url, action), fields
