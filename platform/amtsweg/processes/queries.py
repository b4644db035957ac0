"""Reading the process library: a town's enabled processes, its catalogue, versions and diffs."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from amtsweg.extensions import db
from amtsweg.processes.loader import from_storable
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.processes.schema import AREAS, ProcessDefinition
from amtsweg.tenancy.context import all_tenants_context
from amtsweg.text import fold


@dataclass(frozen=True)
class FeeInfo:
    id: str
    label: dict[str, str]
    # None: computed from the answers (a rule), shown as "depends on your application"
    cents: int | None
    conditional: bool


@dataclass(frozen=True)
class EnabledProcess:
    """A process the current town offers: current version, parsed definition and the town's overrides."""

    process: Process
    version: ProcessVersion
    definition: ProcessDefinition
    overrides: dict[str, Any]

    @property
    def fee_overrides(self) -> dict[str, int]:
        return dict(self.overrides.get("fees", {}))

    def fees(self) -> list[FeeInfo]:
        overrides = self.fee_overrides
        return [
            FeeInfo(
                fee.id,
                fee.label.model_dump(),
                None if fee.amount_rule is not None else overrides.get(fee.id, fee.amount_cents),
                fee.when is not None,
            )
            for fee in self.definition.fees
        ]

    @property
    def processing_days(self) -> int | None:
        return self.overrides.get("processing_days", self.definition.processing_days)

    @property
    def department(self) -> str | None:
        return self.overrides.get("department")

    @property
    def contact(self) -> str | None:
        return self.overrides.get("contact")

    def intro(self, locale: str) -> str | None:
        return self.overrides.get(f"intro_{locale}") or self.overrides.get("intro_de")


def enabled_process(slug: str) -> EnabledProcess | None:
    """The process ``slug`` as the current town offers it; None if unknown or not enabled here."""
    row = db.session.execute(
        select(Process, ProcessVersion, ProcessEnablement)
        .join(ProcessVersion, ProcessVersion.id == Process.current_version_id)
        .join(ProcessEnablement, ProcessEnablement.process_id == Process.id)
        .where(Process.slug == slug, ProcessEnablement.enabled.is_(True))
    ).first()
    if row is None:
        return None
    process, version, enablement = row
    return EnabledProcess(process, version, from_storable(version.definition), dict(enablement.overrides or {}))


def digital_process_or_404(slug: str) -> EnabledProcess:
    """The current town's enabled process with an online form, else 404 (like ``get_or_404``)."""
    offered = enabled_process(slug)
    if offered is None or offered.definition.kind != "digital" or offered.definition.form is None:
        raise NotFound()
    return offered


@dataclass(frozen=True)
class CatalogueEntry:
    slug: str
    kind: str
    category: str
    title: dict[str, str]
    summary: dict[str, str]


@dataclass(frozen=True)
class AreaCount:
    id: str
    label: str
    count: int


@dataclass(frozen=True)
class Catalogue:
    entries: list[CatalogueEntry]
    # Every area with services matching the search, with their number (before the area filter).
    areas: list[AreaCount]
    total: int


def _haystack(process: Process) -> str:
    parts = [process.slug.replace("-", " "), *process.title.values(), *process.summary.values(), *process.keywords]
    return fold(" ".join(parts))


def catalogue(search: str | None = None, area: str | None = None, locale: str = "de") -> Catalogue:
    """The current town's enabled services (one query), filtered by a German-aware search and an area."""
    processes = db.session.scalars(
        select(Process)
        .join(ProcessEnablement, ProcessEnablement.process_id == Process.id)
        .where(ProcessEnablement.enabled.is_(True))
    ).all()
    terms = fold(search or "").split()
    matching = [p for p in processes if all(term in _haystack(p) for term in terms)]
    counts: dict[str, int] = {}
    for process in matching:
        counts[process.category] = counts.get(process.category, 0) + 1
    shown = [p for p in matching if area is None or p.category == area]

    def order(process: Process) -> tuple[bool, str]:
        # Services whose title contains every search term come first.
        title = fold(process.title.get(locale) or process.title["de"])
        return (not all(term in title for term in terms), title)

    return Catalogue(
        entries=[CatalogueEntry(p.slug, p.kind, p.category, p.title, p.summary) for p in sorted(shown, key=order)],
        areas=[AreaCount(key, label, counts[key]) for key, label in AREAS.items() if key in counts],
        total=len(matching),
    )


# --------------------------------------------------------------------------- cross-town (platform admin)


@dataclass(frozen=True)
class LibraryRow:
    process: Process
    # town id → enabled
    enabled: dict[int, bool]


def library_overview(
    search: str | None = None, area: str | None = None, kind: str | None = None, town_id: int | None = None
) -> list[LibraryRow]:
    """Every process with its enablement per town, filtered (platform administration only)."""
    with all_tenants_context():
        processes = db.session.scalars(select(Process).order_by(Process.slug)).all()
        enabled: dict[int, dict[int, bool]] = {}
        for row in db.session.scalars(select(ProcessEnablement)):
            enabled.setdefault(row.process_id, {})[row.tenant_id] = row.enabled
    terms = fold(search or "").split()
    return [
        LibraryRow(p, enabled.get(p.id, {}))
        for p in processes
        if all(term in _haystack(p) for term in terms)
        and (area is None or p.category == area)
        and (kind is None or p.kind == kind)
        and (town_id is None or enabled.get(p.id, {}).get(town_id, False))
    ]


def enabled_towns(process: Process) -> dict[int, bool]:
    """Town id → whether it offers ``process`` (platform administration only)."""
    with all_tenants_context():
        rows = db.session.execute(
            select(ProcessEnablement.tenant_id, ProcessEnablement.enabled).filter_by(process_id=process.id)
        ).all()
    return {town_id: enabled for town_id, enabled in rows}


def process_by_slug(slug: str) -> Process | None:
    """The library process with this slug, or None."""
    return db.session.scalar(select(Process).filter_by(slug=slug))


def current_version(process: Process) -> ProcessVersion | None:
    """The process's current version, or None before the first sync."""
    return db.session.get(ProcessVersion, process.current_version_id) if process.current_version_id else None


def version_of(process: Process, version_id: int) -> ProcessVersion | None:
    """One version of the process, or None (another process's version is not found)."""
    version = db.session.get(ProcessVersion, version_id)
    return version if version is not None and version.process_id == process.id else None


def _diff_text(version: ProcessVersion) -> list[str]:
    if version.source:
        return version.source.splitlines()
    return json.dumps(version.definition["definition"], indent=2, ensure_ascii=False, sort_keys=True).splitlines()


def version_diff(old: ProcessVersion, new: ProcessVersion) -> list[str]:
    """Unified diff of two versions' YAML sources (their JSON when no source was kept)."""
    return list(difflib.unified_diff(
        _diff_text(old), _diff_text(new), fromfile=old.short, tofile=new.short, lineterm=""
    ))


def enablement_counts() -> dict[int, dict[str, int]]:
    """Town id → area → number of enabled processes (platform administration only)."""
    with all_tenants_context():
        rows = db.session.execute(
            select(ProcessEnablement.tenant_id, Process.category, func.count())
            .join(Process, Process.id == ProcessEnablement.process_id)
            .where(ProcessEnablement.enabled.is_(True))
            .group_by(ProcessEnablement.tenant_id, Process.category)
        ).all()
    counts: dict[int, dict[str, int]] = {}
    for town_id, category, count in rows:
        counts.setdefault(town_id, {})[category] = count
    return counts


def town_enablements() -> list[tuple[Process, ProcessEnablement | None]]:
    """The current town's view of the whole library: every process with its enablement row."""
    rows = {e.process_id: e for e in db.session.scalars(select(ProcessEnablement))}
    return [(p, rows.get(p.id)) for p in db.session.scalars(select(Process).order_by(Process.slug))]


def town_overrides(slug: str) -> dict[str, Any]:
    """The current town's overrides of a process (empty when it has none)."""
    row = db.session.scalar(
        select(ProcessEnablement).join(Process, Process.id == ProcessEnablement.process_id)
        .where(Process.slug == slug)
    )
    return dict(row.overrides or {}) if row is not None else {}
