"""Findings the pages have today, each tied to the defect of issue 11 that fixes it.

An entry matches findings by page name (shell pattern), check, and optionally language and width.
The test suite marks each listed page-check pair as an expected failure and fails on any finding
not listed; a listed pair that no longer occurs shows as XPASS and in the tour's report, so the
entry can be removed with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from tour.checks import Finding


@dataclass(frozen=True)
class Known:
    page: str  # shell pattern over visit names
    check: str
    defect: int  # number in issue 11's list of defects (0: a polish item of issue 11)
    why: str
    language: str | None = None
    width: int | None = None

    def matches(self, finding: Finding) -> bool:
        return (
            self.covers(finding.page, finding.check)
            and self.language in (None, finding.language)
            and self.width in (None, finding.width)
        )

    def covers(self, page: str, check: str) -> bool:
        """Whether the entry is about this page-check pair (in some language or width)."""
        return fnmatchcase(page, self.page) and check == self.check


KNOWN: list[Known] = [
    # 4: English pages show German texts
    Known("library*", "language", 4, "process titles and the preview's labels are German only", language="en"),
    Known("town-service-edit*", "language", 4, "the library's fee labels are German only", language="en"),
    Known("cash-office*", "language", 4, "the cash office shows service titles and fee labels in German (payments)",
          language="en"),
    # 11: the history shows raw event data
    Known("audit-log*", "language", 11, "the log's details are raw event keys (from: …; to: …; transition: …)"),
    Known("audit-log", "python-repr", 11, "the log's details print None and [] from the raw event data"),
    # 13: the YAML editor's preview
    Known("library-editor-preview", "overflow", 13, "the preview is a list of ids and options that overflows"),
    # 21: contracts
    Known("contracts-import-problems", "language", 21, "import problems are German on an English page",
          language="en"),
]


def known_for(finding: Finding) -> Known | None:
    return next((entry for entry in KNOWN if entry.matches(finding)), None)
