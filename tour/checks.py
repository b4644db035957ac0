"""What a person would notice on a page or in a PDF, as small registered checks.

Each check is one function registered under its name with :func:`page_check` or :func:`pdf_check`;
it gets a :class:`PageView` (the page in the browser, its visible text, its status) or a
:class:`PdfView` and yields short excerpts of what it found. The tour (``python -m tour``) and the
test suite (``tests/test_page_tour.py``) run the same registry.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tour.language import wrong_language

PHONE_WIDTH = 390
EXCERPT = 160
# Python values that leaked into a page: a dict or list repr, None, a function or object repr.
REPRS = re.compile(r"\{'(?:de|en)':|\bNone\b|\[\]|<function\b|<bound method\b|\bobject at 0x[0-9a-f]+")
TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
UTC_TIME = re.compile(r"\bUTC\b")
# The name under which a visit that could not be made (an action failed) is reported.
VISIT_FAILED = "visit"


@dataclass(frozen=True)
class Finding:
    """One thing a check found on one page in one language at one width (0 for a PDF)."""

    page: str
    language: str
    width: int
    check: str
    excerpt: str

    def line(self) -> str:
        size = f"{self.width} px" if self.width else "PDF"
        where = f"{self.language}, {size}" if self.language else "set-up step"
        return f"{self.page} ({where}) [{self.check}] {self.excerpt}"


@dataclass(frozen=True)
class TextBlock:
    """The visible text of one block element (paragraph, cell, label, button …) and its language."""

    text: str
    lang: str
    tag: str


@dataclass
class PageView:
    """A page as loaded in the browser at one language and width, with what the checks read."""

    name: str
    language: str
    width: int
    status: int
    expected_status: int
    browser: Any  # a Playwright page
    blocks: list[TextBlock]
    html_lang: str
    # Names, addresses and typed-in data: no finding when they are in the other language.
    ignored: tuple[str, ...] = ()
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    # False: only the quick checks of the text (the test suite runs axe-core on representative pages only).
    thorough: bool = True

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


@dataclass
class PdfView:
    """A generated PDF: the text of its pages and its document catalogue."""

    name: str
    language: str
    pages: list[str]
    catalogue: dict[str, Any]


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Any], Iterable[str]]
    applies: Callable[[Any], bool]


PAGE_CHECKS: dict[str, Check] = {}
PDF_CHECKS: dict[str, Check] = {}


def _always(view: Any) -> bool:
    return True


def page_check(name: str, applies: Callable[[PageView], bool] = _always) -> Callable[[Callable], Callable]:
    """Register a check of a page; it yields an excerpt for each thing it finds."""

    def register(function: Callable[[PageView], Iterable[str]]) -> Callable[[PageView], Iterable[str]]:
        PAGE_CHECKS[name] = Check(name, function, applies)
        return function

    return register


def pdf_check(name: str) -> Callable[[Callable], Callable]:
    """Register a check of a generated PDF."""

    def register(function: Callable[[PdfView], Iterable[str]]) -> Callable[[PdfView], Iterable[str]]:
        PDF_CHECKS[name] = Check(name, function, _always)
        return function

    return register


def clip(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def matches_in(text: str, pattern: re.Pattern[str]) -> Iterator[str]:
    """Each line of ``text`` where ``pattern`` matches, clipped around the match."""
    for line in text.splitlines():
        match = pattern.search(line)
        if match:
            start = max(match.start() - 60, 0)
            yield clip(("…" if start else "") + line[start:])


def run_page_checks(view: PageView) -> list[Finding]:
    return [
        Finding(view.name, view.language, view.width, check.name, excerpt)
        for check in PAGE_CHECKS.values()
        if check.applies(view)
        for excerpt in check.run(view)
    ]


def run_pdf_checks(view: PdfView) -> list[Finding]:
    return [
        Finding(view.name, view.language, 0, check.name, excerpt)
        for check in PDF_CHECKS.values()
        for excerpt in check.run(view)
    ]


# --------------------------------------------------------------------------- reading a page

# The visible text of the page grouped by block element, each with its language (nearest lang
# attribute), plus texts read out but not shown as such: the title, alt texts, aria-labels,
# placeholders and the options of selects. Form fields' contents and source code are left out.
BLOCKS_SCRIPT = """() => {
  const BLOCKS = 'p,li,td,th,dt,dd,label,legend,h1,h2,h3,h4,h5,h6,button,a,option,caption,figcaption,summary';
  // Not text of the page: scripts, the options of a select (read below), what is typed into a
  // field, and source code (the process editor's YAML, a diff of it).
  const SKIP = 'script,style,noscript,template,select,textarea,pre,code';
  const shown = el => el.checkVisibility({visibilityProperty: true});
  const langOf = el => (el.closest('[lang]') || document.documentElement).getAttribute('lang') || '';
  const groups = new Map();
  const add = (el, text) => {
    const entry = groups.get(el) || {text: '', lang: langOf(el), tag: el.tagName.toLowerCase()};
    entry.text += text;
    groups.set(el, entry);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim() || parent.closest(SKIP)) continue;
    if (!shown(parent)) continue;
    add(parent.closest(BLOCKS) || parent, node.textContent);
  }
  const extra = [{text: document.title, lang: langOf(document.documentElement), tag: 'title'}];
  for (const el of document.querySelectorAll('select')) {
    if (!shown(el)) continue;
    for (const option of el.options) extra.push({text: option.text, lang: langOf(option), tag: 'option'});
  }
  for (const el of document.querySelectorAll('[aria-label],[alt],[placeholder],input[type=submit][value]')) {
    if (!shown(el)) continue;
    for (const name of ['aria-label', 'alt', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value) extra.push({text: value, lang: langOf(el), tag: '@' + name});
    }
    if (el.matches('input[type=submit]')) extra.push({text: el.value, lang: langOf(el), tag: 'input'});
  }
  const blocks = [...groups.values()].map(b => ({...b, text: b.text.replace(/\\s+/g, ' ').trim()}));
  return {html_lang: document.documentElement.getAttribute('lang') || '',
          blocks: blocks.concat(extra).filter(b => b.text.trim())};
}"""


def read_page(browser: Any) -> tuple[str, list[TextBlock]]:
    """The document's language and its visible text blocks."""
    data = browser.evaluate(BLOCKS_SCRIPT)
    return data["html_lang"], [TextBlock(b["text"], b["lang"], b["tag"]) for b in data["blocks"]]


# --------------------------------------------------------------------------- page checks


@page_check("status")
def server_error_or_unexpected_status(view: PageView) -> Iterator[str]:
    """A server error, or another status than the visit expects (e.g. a 403 where the page should be)."""
    if view.status >= 500:
        yield f"HTTP {view.status}"
    elif view.status != view.expected_status:
        yield f"HTTP {view.status}, expected {view.expected_status}"


@page_check("empty-value")
def empty_description_values(view: PageView) -> Iterator[str]:
    """A ``<dd>`` without text: a label with nothing after it."""
    terms = view.browser.evaluate("""() => [...document.querySelectorAll('dd')]
      .filter(dd => !dd.textContent.trim() && !dd.querySelector('img,svg,input,select,textarea,button'))
      .map(dd => {
        let dt = dd.previousElementSibling;
        while (dt && dt.tagName !== 'DT') dt = dt.previousElementSibling;
        return dt ? dt.textContent.trim() : '(no <dt>)';
      })""")
    for term in terms:
        yield clip(f"empty <dd> after “{term}”")


@page_check("python-repr")
def python_reprs(view: PageView) -> Iterator[str]:
    yield from matches_in(view.text, REPRS)


@page_check("template-syntax")
def unrendered_template_syntax(view: PageView) -> Iterator[str]:
    yield from matches_in(view.text, TEMPLATE_SYNTAX)


@page_check("utc-time")
def raw_utc_times(view: PageView) -> Iterator[str]:
    yield from matches_in(view.text, UTC_TIME)


@page_check("language")
def text_in_the_other_language(view: PageView) -> Iterator[str]:
    """The document's language differs from the visit's, or a block reads as the other language."""
    if view.html_lang.split("-")[0] != view.language:
        yield f'<html lang="{view.html_lang}"> on a page visited in {view.language}'
    seen = set()
    for block in view.blocks:
        expected = (block.lang or view.language).split("-")[0]
        if block.text not in seen and wrong_language(block.text, expected, view.ignored):
            seen.add(block.text)
            yield clip(f"<{block.tag}> {block.text}")


@page_check("broken-image")
def broken_images(view: PageView) -> Iterator[str]:
    sources = view.browser.evaluate(
        "() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.currentSrc || i.src)"
    )
    for source in sources:
        yield clip(f"image not shown: {source}")


@page_check("overflow", applies=lambda view: view.width <= PHONE_WIDTH)
def horizontal_overflow(view: PageView) -> Iterator[str]:
    """Wider than the phone's screen: names the outermost elements that stick out."""
    result = view.browser.evaluate("""() => {
      const root = document.documentElement, width = root.clientWidth;
      if (root.scrollWidth <= width) return null;
      const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + [...el.classList].slice(0, 2).map(c => '.' + c).join('');
      const all = [...document.body.querySelectorAll('*')];
      const right = el => el.getBoundingClientRect().left + Math.max(el.getBoundingClientRect().width, el.scrollWidth);
      // The outermost boxes wider than the screen; else the innermost elements whose content spills
      // out of a narrower box (e.g. text of a zero-width float).
      const boxes = all.filter(el => el.getBoundingClientRect().right > width + 1);
      let culprits = boxes.filter(el => !boxes.includes(el.parentElement));
      if (!culprits.length) {
        const spilling = all.filter(el => right(el) > width + 1);
        culprits = spilling.filter(el => !spilling.some(other => other !== el && el.contains(other)));
      }
      return {scroll: root.scrollWidth, width,
              elements: culprits.slice(0, 3).map(el => name(el) + ' ' + Math.round(right(el)) + 'px')};
    }""")
    if result:
        yield clip(f"page is {result['scroll']} px wide on a {result['width']} px screen: "
                   + ", ".join(result["elements"]))


@page_check("axe", applies=lambda view: view.thorough)
def accessibility_violations(view: PageView) -> Iterator[str]:
    from support.browser import axe_violations

    for violation in axe_violations(view.browser):
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        yield clip(f"{violation['id']}: {violation['help']} — {targets[:3]}", 240)


@page_check("browser-error")
def failed_requests_and_script_errors(view: PageView) -> Iterator[str]:
    """A stylesheet, script or image that failed to load, or an error in the console."""
    for failure in view.failed_requests:
        yield clip(failure)
    for error in view.console_errors:
        yield clip(f"console: {error}")


# --------------------------------------------------------------------------- PDF checks


def read_pdf(name: str, language: str, content: bytes) -> PdfView:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    catalogue = {str(key): value for key, value in reader.trailer["/Root"].items()}
    return PdfView(name, language, [page.extract_text() or "" for page in reader.pages], catalogue)


@pdf_check("python-repr")
def pdf_python_reprs(view: PdfView) -> Iterator[str]:
    for number, text in enumerate(view.pages, start=1):
        for excerpt in matches_in(text, REPRS):
            yield f"page {number}: {excerpt}"


@pdf_check("template-syntax")
def pdf_template_syntax(view: PdfView) -> Iterator[str]:
    for number, text in enumerate(view.pages, start=1):
        for excerpt in matches_in(text, TEMPLATE_SYNTAX):
            yield f"page {number}: {excerpt}"


@pdf_check("utc-time")
def pdf_utc_times(view: PdfView) -> Iterator[str]:
    for number, text in enumerate(view.pages, start=1):
        for excerpt in matches_in(text, UTC_TIME):
            yield f"page {number}: {excerpt}"


@pdf_check("untagged-pdf")
def untagged_pdf(view: PdfView) -> Iterator[str]:
    """Screen readers need a tagged PDF: a structure tree and MarkInfo /Marked true."""
    missing = [key for key in ("/StructTreeRoot", "/MarkInfo") if key not in view.catalogue]
    if missing:
        yield "not tagged: no " + " and no ".join(missing)
