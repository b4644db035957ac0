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


# None today: every page of the tour shows nothing a person would notice.
KNOWN: list[Known] = []


def known_for(finding: Finding) -> Known | None:
    return next((entry for entry in KNOWN if entry.matches(finding)), None)
