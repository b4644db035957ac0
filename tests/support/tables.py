"""Reading a data table of a rendered page the way a person (or a screen reader) meets it."""

from __future__ import annotations

import copy

from lxml import html as lxml_html

# Elements a browser shows on a line of their own: their text does not run into its neighbours'.
BREAKING = {"br", "li", "p", "div", "ul", "ol"}


def _text(element) -> str:
    element = copy.deepcopy(element)
    for inner in element.iter(*BREAKING):
        inner.tail = " " + (inner.tail or "")
    return " ".join(element.text_content().split())


def data_table(page: str, caption: str) -> tuple[list[str], list[list[str]]]:
    """The column headings and the rows (cell texts) of the table captioned ``caption``.

    Fails unless the table sits in a keyboard-reachable scroll region labelled like its caption,
    as the shared table macro renders it."""
    tree = lxml_html.fromstring(page)
    [table] = [table for table in tree.iter("table") if table.find("caption") is not None
               and _text(table.find("caption")) == caption]
    region = table.getparent()
    assert (region.get("role"), region.get("aria-label"), region.get("tabindex")) == ("region", caption, "0")
    headers = [_text(cell) for cell in table.xpath("thead/tr/th")]
    rows = [[_text(cell) for cell in row.xpath("th|td")] for row in table.xpath("tbody/tr")]
    return headers, rows
