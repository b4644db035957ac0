"""Reading the process library: a town's enabled processes, its catalogue, versions and diffs."""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from cachetools import LRUCache, cached
from sqlalchemy import func, select
from sqlalchemy.orm import defer
from werkzeug.exceptions import NotFound

from amtsweg.extensions import db
from amtsweg.processes import offers
from amtsweg.processes.loader import stored_definition
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.processes.schema import AREAS, ProcessDefinition
from amtsweg.tenancy.context import all_tenants_context
from amtsweg.tenancy.models import Tenant
from amtsweg.text import fold


@dataclass(frozen=True)
class FeeInfo:
    id: str
    label: dict[str, str]
    # None: computed from the answers (a rule), shown as "depends on your application"
    cents: int | None
    conditional: bool
    refundable: bool = False


@dataclass(frozen=True)
class OfferedProcess:
    """A process as the current town offers it: the parsed definition and the town's overrides."""

    definition: ProcessDefinition
    overrides: Mapping[str, Any]

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
                fee.refundable,
            )
            for fee in self.definition.fees
        ]

    @property
    def processing_days(self) -> int | None:
        return self.overrides.get("processing_days", self.definition.processing_days)

    @property
    def payment_policy(self) -> str:
        """When the fee is paid here: the town's override, else the library's (schema.PAYMENT_POLICIES)."""
        return payment_policy(self.definition, self.overrides)

    @property
    def department(self) -> str | None:
        return self.overrides.get("department")

    @property
    def contact(self) -> str | None:
        return self.overrides.get("contact")

    @property
    def trust_level(self) -> int | None:
        """The trust level a login needs to apply: the definition's, or the town's when it is higher."""
        levels = [level for level in (self.definition.trust_level, self.overrides.get("trust_level")) if level]
        return max(levels) if levels else None

    @property
    def organisation_account(self) -> bool:
        """Whether the service is for organisations: where the town's login offers Mein Unternehmenskonto,
        only an organisation's login may apply (the portal decides)."""
        return self.definition.organisation_account

    def intro(self, locale: str) -> str | None:
        """The town's own introduction in ``locale``; none when the town wrote it only in another
        language (an English page then shows the library's English summary, not German text)."""
        return self.overrides.get(f"intro_{locale}") or None


@dataclass(frozen=True)
class EnabledProcess(OfferedProcess):
    """An offered process with its rows: the process and its current version (to apply with)."""

    process: Process
    version: ProcessVersion


def payment_policy(definition: ProcessDefinition, overrides: Mapping[str, Any]) -> str:
    """When a process's fee is paid in a town: its override, else the library's."""
    return str(overrides.get("payment", definition.payment))


def enabled_process(slug: str) -> EnabledProcess | None:
    """The process ``slug`` as the current town offers it; None if unknown or not enabled here."""
    row = db.session.execute(
        select(Process, ProcessVersion, ProcessEnablement)
        .join(ProcessVersion, ProcessVersion.id == Process.current_version_id)
        .join(ProcessEnablement, ProcessEnablement.process_id == Process.id)
        .where(Process.slug == slug, ProcessEnablement.enabled.is_(True))
        # The stored definition is only read when this process has not parsed the version yet.
        .options(defer(ProcessVersion.definition), defer(ProcessVersion.source))
    ).first()
    if row is None:
        return None
    process, version, enablement = row
    definition = stored_definition(version.version, lambda: version.definition)
    return EnabledProcess(definition, dict(enablement.overrides or {}), process, version)


def offered_process(slug: str) -> OfferedProcess | None:
    """The process ``slug`` as the current town offers it, from the town's kept offer (no statement
    on repeated views); None if unknown or not switched on."""
    entry = offers.offered_entry(slug)
    if entry is None:
        return None
    definition = stored_definition(entry.version, partial(_stored_json, entry.version_id))
    return OfferedProcess(definition, entry.overrides)


def warm_caches() -> None:
    """Parses every process's current version and folds its catalogue texts into this process's
    caches (the app's warm-up before its workers fork)."""
    rows = db.session.execute(
        select(Process.id, ProcessVersion.id, ProcessVersion.version, ProcessVersion.definition)
        .join(ProcessVersion, ProcessVersion.id == Process.current_version_id)
    ).all()
    for _process_id, _version_id, version, definition in rows:
        stored_definition(version, partial(dict, definition))
    _listed_processes([(process_id, version_id) for process_id, version_id, _version, _definition in rows])


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
    # (process id, current version id): what is shown of a process only changes with a new version.
    revision: tuple[int, int | None]


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


@dataclass(frozen=True)
class _Listed:
    """A process as the catalogue shows and searches it, with its folded texts."""

    entry: CatalogueEntry
    haystack: str
    folded_titles: dict[str, str]


# Catalogue entries by (process id, current version id): what the catalogue shows of a process
# only changes with a new version, so each worker folds a version's texts once.
_listed: LRUCache[tuple[int, int | None], _Listed] = LRUCache(maxsize=2048)
_listed_lock = threading.Lock()


def _listed_processes(keys: list[tuple[int, int | None]]) -> list[_Listed]:
    with _listed_lock:
        found = {key: _listed[key] for key in keys if key in _listed}
    missing = [process_id for process_id, version_id in keys if (process_id, version_id) not in found]
    if missing:
        for process in db.session.scalars(select(Process).where(Process.id.in_(missing))):
            listed = _Listed(
                CatalogueEntry(process.slug, process.kind, process.category, process.title, process.summary,
                               (process.id, process.current_version_id)),
                _haystack(process), {locale: fold(title) for locale, title in process.title.items()},
            )
            found[(process.id, process.current_version_id)] = listed
            with _listed_lock:
                _listed[(process.id, process.current_version_id)] = listed
    return [found[key] for key in keys if key in found]


def catalogue(search: str | None = None, area: str | None = None, locale: str = "de") -> Catalogue:
    """The current town's enabled services, filtered by a German-aware search and an area.

    The town's offer is kept per app process (:mod:`amtsweg.processes.offers`); the processes'
    texts come from the per-version cache.
    """
    return _arranged(offers.offered_keys(), tuple(fold(search or "").split()), area, locale)


# Catalogues by the versions offered, the search terms, the area and the language: the same offer
# is filtered and sorted once, not on every view. Callers treat the shared result as read-only.
@cached(LRUCache(maxsize=1024), lock=threading.Lock())
def _arranged(keys: tuple[tuple[int, int | None], ...], terms: tuple[str, ...], area: str | None,
              locale: str) -> Catalogue:
    matching = [p for p in _listed_processes(list(keys)) if all(term in p.haystack for term in terms)]
    counts: dict[str, int] = {}
    for listed in matching:
        counts[listed.entry.category] = counts.get(listed.entry.category, 0) + 1
    shown = [p for p in matching if area is None or p.entry.category == area]

    def order(listed: _Listed) -> tuple[bool, str]:
        # Services whose title contains every search term come first.
        title = listed.folded_titles.get(locale) or listed.folded_titles["de"]
        return (not all(term in title for term in terms), title)

    return Catalogue(
        entries=[listed.entry for listed in sorted(shown, key=order)],
        areas=[AreaCount(key, label, counts[key]) for key, label in AREAS.items() if key in counts],
        total=len(matching),
    )


# --------------------------------------------------------------------------- cross-town (platform admin)


@dataclass(frozen=True)
class LibraryRow:
    process: Process
    # How many active towns offer it.
    offered_by: int


def _active_town_ids() -> Any:
    return select(Tenant.id).where(Tenant.active.is_(True))


def library_overview(
    search: str | None = None, area: str | None = None, kind: str | None = None, town_id: int | None = None
) -> list[LibraryRow]:
    """Every process with the number of towns offering it, filtered (platform administration only).

    One statement: the numbers are counted by the database, whatever the number of towns.
    """
    with all_tenants_context():
        offered = (
            select(ProcessEnablement.process_id, func.count().label("towns"))
            .where(ProcessEnablement.enabled.is_(True), ProcessEnablement.tenant_id.in_(_active_town_ids()))
            .group_by(ProcessEnablement.process_id)
            .subquery()
        )
        query = (
            select(Process, func.coalesce(offered.c.towns, 0))
            .outerjoin(offered, offered.c.process_id == Process.id)
            .order_by(Process.slug)
        )
        if area is not None:
            query = query.where(Process.category == area)
        if kind is not None:
            query = query.where(Process.kind == kind)
        if town_id is not None:
            query = query.where(Process.id.in_(
                select(ProcessEnablement.process_id).where(
                    ProcessEnablement.tenant_id == town_id, ProcessEnablement.enabled.is_(True)
                )
            ))
        rows = db.session.execute(query).all()
    terms = fold(search or "").split()
    return [LibraryRow(process, count) for process, count in rows if all(term in _haystack(process) for term in terms)]


@dataclass(frozen=True)
class MatrixRow:
    process: Process
    # town id → enabled, for the towns on the page
    enabled: dict[int, bool]


def enablement_matrix(town_ids: list[int]) -> list[MatrixRow]:
    """Every process with its enablement in the given towns (one page of the matrix; two statements)."""
    with all_tenants_context():
        processes = db.session.scalars(select(Process).order_by(Process.slug)).all()
        enabled: dict[int, dict[int, bool]] = {}
        rows = db.session.execute(
            select(ProcessEnablement.process_id, ProcessEnablement.tenant_id, ProcessEnablement.enabled)
            .where(ProcessEnablement.tenant_id.in_(town_ids))
        ).tuples().all() if town_ids else []
        for process_id, tenant_id, on in rows:
            enabled.setdefault(process_id, {})[tenant_id] = on
    return [MatrixRow(p, enabled.get(p.id, {})) for p in processes]


def enabled_towns(process: Process, town_ids: list[int]) -> dict[int, bool]:
    """Town id → whether it offers ``process``, for the given towns (platform administration only)."""
    if not town_ids:
        return {}
    with all_tenants_context():
        rows = db.session.execute(
            select(ProcessEnablement.tenant_id, ProcessEnablement.enabled)
            .filter_by(process_id=process.id).where(ProcessEnablement.tenant_id.in_(town_ids))
        ).all()
    return {town_id: enabled for town_id, enabled in rows}


def definition_of_version(version_id: int) -> ProcessDefinition:
    """The parsed definition of a stored version; its stored JSON is only read the first time a
    process needs that version (one small statement otherwise)."""
    return definitions_of_versions({version_id})[version_id]


def definitions_of_versions(version_ids: set[int]) -> dict[int, ProcessDefinition]:
    """Version id → parsed definition for stored versions (one small statement for all of them;
    a version's stored JSON is only read the first time a process needs it)."""
    if not version_ids:
        return {}
    versions = db.session.execute(
        select(ProcessVersion.id, ProcessVersion.version).where(ProcessVersion.id.in_(version_ids))
    ).all()
    return {version_id: stored_definition(version, partial(_stored_json, version_id))
            for version_id, version in versions}


def _stored_json(version_id: int) -> dict[str, Any]:
    return db.session.execute(select(ProcessVersion.definition).where(ProcessVersion.id == version_id)).scalar_one()


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


def enablement_counts(town_ids: list[int]) -> dict[int, dict[str, int]]:
    """Town id → area → number of enabled processes, for the given towns (platform administration only)."""
    if not town_ids:
        return {}
    with all_tenants_context():
        rows = db.session.execute(
            select(ProcessEnablement.tenant_id, Process.category, func.count())
            .join(Process, Process.id == ProcessEnablement.process_id)
            .where(ProcessEnablement.enabled.is_(True), ProcessEnablement.tenant_id.in_(town_ids))
            .group_by(ProcessEnablement.tenant_id, Process.category)
        ).all()
    counts: dict[int, dict[str, int]] = {}
    for town_id, category, count in rows:
        counts.setdefault(town_id, {})[category] = count
    return counts


def town_enablements(
    search: str | None = None, area: str | None = None, offered: bool | None = None, locale: str = "de"
) -> list[tuple[Process, ProcessEnablement | None]]:
    """The current town's view of the library: each process with its enablement row, by title,
    filtered by words (title, summary, keywords), area and whether the town offers it."""
    rows = {e.process_id: e for e in db.session.scalars(select(ProcessEnablement))}
    query = select(Process)
    if area is not None:
        query = query.where(Process.category == area)
    terms = fold(search or "").split()
    found = [
        (process, rows.get(process.id)) for process in db.session.scalars(query)
        if all(term in _haystack(process) for term in terms)
    ]
    if offered is not None:
        found = [(p, e) for p, e in found if (e is not None and e.enabled) == offered]
    return sorted(found, key=lambda row: fold(row[0].title.get(locale) or row[0].title.get("de", "")))


def town_overrides(slug: str) -> dict[str, Any]:
    """The current town's overrides of a process (empty when it has none)."""
    row = db.session.scalar(
        select(ProcessEnablement).join(Process, Process.id == ProcessEnablement.process_id)
        .where(Process.slug == slug)
    )
    return dict(row.overrides or {}) if row is not None else {}
