"""Going through the plan: set-up steps once, each visit in the languages and widths asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tour.browse import Tour, failure_reason
from tour.checks import VISIT_FAILED, Finding, clip
from tour.plan import Item, Setup, Visit, needs

# Which languages and widths one visit is checked in.
Selection = Callable[[Visit], Iterable[tuple[str, list[int]]]]


@dataclass
class Walk:
    """What a walk through the plan found, and what it could not do."""

    findings: list[Finding] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    visited: list[tuple[str, str]] = field(default_factory=list)


def walk(plan: list[Item], tour: Tour, selection: Selection,
         progress: Callable[[str], None] = lambda line: None) -> Walk:
    result = Walk()
    for item in plan:
        need = needs(item)
        if need and need not in tour.capabilities:
            result.unavailable.append(item.name)
            continue
        if isinstance(item, Setup):
            progress(f"step  {item.name}")
            session = tour.session(item.role)
            session.reset()
            try:
                item.do(tour)
            except Exception as exc:  # a failed step is a finding; later visits report what they miss
                console = "; ".join(session.console_errors)
                reason = failure_reason(exc) + (f" — console: {console}" if console else "")
                result.findings.append(Finding(item.name, "", 0, VISIT_FAILED, clip(reason, 400)))
            continue
        for language, widths in selection(item):
            progress(f"visit {item.name} ({language})")
            result.findings += tour.capture(item, language, widths)
            result.visited.append((item.name, language))
    return result
