"""State changes of the process library: syncing versions, publishing edits, per-town enablement.

The folder ``shared_processes/`` is the source of ``flask processes sync``: a definition changed in
its folder since the last sync becomes a new immutable :class:`ProcessVersion` and the current one.
The admin editor publishes versions too; a published version is never replaced by a folder that did
not change since, and when both changed, sync keeps the published version and reports the conflict
(docs/process-format.md, "Editor and sync"). A town's ``[processes]`` in
``tenant.toml`` only seeds its enablement rows: sync creates a row for a process the town has no
row for yet; afterwards the database (edited in the admin pages) holds the live state.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from amtsweg.audit.services import record
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.processes.fees import invalid_overrides
from amtsweg.processes.loader import (
    LEIKA_FILE,
    PROCESS_FILE,
    TEMPLATES_DIR,
    WORKFLOWS_DIR,
    Library,
    LoadedProcess,
    from_storable,
    load_library,
    to_storable,
)
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.processes.schema import PAYMENT_POLICIES, TRUST_LEVEL_NUMBERS, ProcessDefinition
from amtsweg.tenancy import aktenplan
from amtsweg.tenancy.aktenplan import TownPlan
from amtsweg.tenancy.context import all_tenants_context, current_tenant, tenant_context
from amtsweg.tenancy.models import Tenant

OVERRIDE_TEXT_KEYS = ("department", "contact", "intro_de", "intro_en")
OVERRIDE_KEYS = ("fees", *OVERRIDE_TEXT_KEYS, "processing_days", "trust_level", "payment")
SYNC_AUTHOR = "flask processes sync"


class ProcessLibraryError(DomainError):
    """The library or a town's ``[processes]`` settings have problems (listed); nothing was changed."""


class UnknownProcess(DomainError, LookupError):
    """No process with this slug exists in the library."""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # changed in the folder and, since the last sync, published in the editor: left as published
    conflicts: list[str] = field(default_factory=list)
    # town slug → processes whose enablement row was seeded from tenant.toml
    seeded: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- checks


def override_problems(definition: ProcessDefinition, overrides: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems of one process's overrides as ``(key, message)``; empty when valid."""
    problems: list[tuple[str, str]] = []
    for key, value in overrides.items():
        if key not in OVERRIDE_KEYS:
            problems.append((key, f"unknown override (allowed: {', '.join(OVERRIDE_KEYS)})"))
        elif key == "fees":
            if not isinstance(value, Mapping):
                problems.append((key, "must be a table of fee id = amount in cents"))
                continue
            problems += [(key, problem) for problem in invalid_overrides(definition, value)]
        elif key == "processing_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
                problems.append((key, "must be a whole number of working days between 1 and 365"))
        elif key == "trust_level":
            if isinstance(value, bool) or value not in TRUST_LEVEL_NUMBERS:
                problems.append((key, f"must be one of {', '.join(map(str, TRUST_LEVEL_NUMBERS))}"))
            elif value < (definition.trust_level or 0):
                # A town may ask more of the login than the library, never less.
                problems.append((key, f"must not be below the process's trust level {definition.trust_level}"))
        elif key == "payment":
            if value not in PAYMENT_POLICIES:
                problems.append((key, f"unknown payment policy '{value}' (allowed: {', '.join(PAYMENT_POLICIES)})"))
        elif not isinstance(value, str) or not value.strip():
            problems.append((key, "must be a non-empty text"))
    return problems


def offer_problems(town: str, settings: Mapping[str, Any], library: Library) -> list[Problem]:
    """Problems of a town's ``[processes]`` settings (file and key named like tenant.toml)."""
    file = f"tenants/{town}/tenant.toml"
    problems = [
        Problem(file=file, path=f"processes.{key}", message="unknown key (allowed: offer, overrides)")
        for key in settings if key not in ("offer", "overrides")
    ]
    offer = settings.get("offer", [])
    if isinstance(offer, list):
        problems += [
            Problem(file=file, path="processes.offer", message=f"unknown process '{slug}'")
            for slug in offer if slug not in library.processes
        ]
    elif offer != "all":
        problems.append(Problem(file=file, path="processes.offer", message='must be "all" or a list of process slugs'))
    overrides = settings.get("overrides", {})
    if not isinstance(overrides, Mapping):
        return [*problems, Problem(file=file, path="processes.overrides", message="must be a table per process")]
    for slug, values in overrides.items():
        key = f"processes.overrides.{slug}"
        loaded = library.get(slug)
        if loaded is None:
            problems.append(Problem(file=file, path=key, message=f"unknown process '{slug}'"))
        elif not isinstance(values, Mapping):
            problems.append(Problem(file=file, path=key, message="must be a table of overrides"))
        else:
            problems += [
                Problem(file=file, path=f"{key}.{sub}", message=message)
                for sub, message in override_problems(loaded.definition, values)
            ]
    return problems


def filing_problems(town: str, plan_settings: Mapping[str, Any] | None, library: Library) -> list[Problem]:
    """Problems of filing the library's processes under the town's Aktenplan: a mapping in
    ``[aktenplan.processes]`` of an unknown process, or a process whose unit the plan lacks."""
    if not plan_settings:
        return []
    plan = TownPlan.from_settings(dict(plan_settings))
    file = f"tenants/{town}/tenant.toml"
    problems = [
        Problem(f"aktenplan.processes.{slug}", f"unknown process '{slug}'", file=file)
        for slug in plan.processes if slug not in library.processes
    ]
    for slug, loaded in sorted(library.processes.items()):
        named = loaded.definition.aktenplan
        unit = plan.unit_for(slug, named)
        if named is not None and (unit is None or not unit.fileable):
            problems.append(Problem(
                f"aktenplan.processes.{slug}",
                f"process '{slug}' is filed under unit '{plan.processes.get(slug, named)}', which {plan.file} "
                "does not have (or has no retention there); map it to one of the town's units",
                file=file,
            ))
    return problems


def _names_any(problem: Problem, slugs: set[str]) -> bool:
    named = problem.path.split(".")[2] if problem.path.startswith("processes.overrides.") else None
    return named in slugs or any(f"'{slug}'" in problem.message for slug in slugs)


def offered(settings: Mapping[str, Any], slug: str) -> bool:
    """Whether a town's ``[processes]`` settings offer the process ``slug``."""
    offer = settings.get("offer", [])
    return offer == "all" or slug in offer


# --------------------------------------------------------------------------- sync


def _read_source(loaded: LoadedProcess) -> str:
    return (loaded.folder / PROCESS_FILE).read_text(encoding="utf-8")


def _mirror_current(process: Process, definition: ProcessDefinition, version: ProcessVersion) -> None:
    process.kind = definition.kind
    process.category = definition.category
    process.title = definition.title.model_dump()
    process.summary = definition.summary.model_dump()
    process.keywords = list(definition.keywords)
    process.current_version_id = version.id


def _store_version(process: Process, loaded: LoadedProcess, source: str, author: str) -> ProcessVersion:
    """The version with this content hash (created if new), made the current one."""
    version = db.session.scalar(
        select(ProcessVersion).filter_by(process_id=process.id, version=loaded.version)
    )
    if version is None:
        version = ProcessVersion(
            process_id=process.id, version=loaded.version, definition=to_storable(loaded),
            source=source, author=author,
        )
        db.session.add(version)
        db.session.flush()
    _mirror_current(process, loaded.definition, version)
    return version


def sync_library(processes_dir: Path, skip_invalid: bool = False) -> SyncReport:
    """:func:`_sync_library` as one cross-town transaction (the library and every town's rows)."""
    with all_tenants_context():
        return _sync_library(processes_dir, skip_invalid)


def _sync_library(processes_dir: Path, skip_invalid: bool = False) -> SyncReport:
    """Bring processes, versions and missing enablement rows in line with the folders; all or nothing.

    ``skip_invalid`` leaves broken definitions (and towns' settings naming them) out instead of
    stopping: the test database uses it so that one unfinished folder does not fail every test
    (the library's own tests report it). ``flask processes sync`` always stops.
    """
    library = load_library(processes_dir)
    towns = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    problems = list(library.errors)
    for town in towns:
        problems += offer_problems(town.slug, (town.settings or {}).get("processes", {}), library)
        problems += filing_problems(town.slug, (town.settings or {}).get("aktenplan"), library)
    if skip_invalid:
        broken = {error.file.split("/")[0] for error in library.errors}
        problems = [p for p in problems if p.file.startswith("tenants/") and not _names_any(p, broken)]
    if problems:
        raise ProcessLibraryError(problems=problems)

    report = SyncReport()
    existing = {p.slug: p for p in db.session.scalars(select(Process)).all()}
    current_hashes = dict(
        db.session.execute(
            select(Process.slug, ProcessVersion.version).join(
                ProcessVersion, ProcessVersion.id == Process.current_version_id
            )
        ).tuples().all()
    )
    for slug, loaded in sorted(library.processes.items()):
        process = existing.get(slug)
        if process is None:
            process = Process(slug=slug, kind=loaded.definition.kind, category=loaded.definition.category,
                              title={}, summary={})
            db.session.add(process)
            db.session.flush()
            existing[slug] = process
            report.created.append(slug)
        elif loaded.version in (current_hashes.get(slug), process.synced_version):
            # Nothing new in the folder (a version published in the editor stays current).
            process.synced_version = loaded.version
            report.unchanged.append(slug)
            continue
        elif process.synced_version not in (None, current_hashes.get(slug)):
            report.conflicts.append(slug)
            continue
        else:
            report.updated.append(slug)
        _store_version(process, loaded, _read_source(loaded), SYNC_AUTHOR)
        process.synced_version = loaded.version

    with all_tenants_context():
        rows = {(e.tenant_id, e.process_id) for e in db.session.scalars(select(ProcessEnablement))}
        for town in towns:
            settings = (town.settings or {}).get("processes", {})
            for slug in sorted(library.processes):
                process = existing[slug]
                if (town.id, process.id) in rows:
                    continue
                db.session.add(ProcessEnablement(
                    tenant_id=town.id, process_id=process.id, enabled=offered(settings, slug),
                    overrides=dict(settings.get("overrides", {}).get(slug, {})),
                ))
                report.seeded.setdefault(town.slug, []).append(slug)
        db.session.commit()
    return report


# --------------------------------------------------------------------------- editor


def check_source(processes_dir: Path, slug: str, source: str) -> tuple[LoadedProcess | None, list[Problem]]:
    """Validate an edited ``process.yaml`` for ``slug`` in the library's surroundings (workflows,
    shared templates, LeiKa list, the folder's own templates) without touching the library."""
    folder = processes_dir / slug
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for shared in (WORKFLOWS_DIR, TEMPLATES_DIR, LEIKA_FILE, aktenplan.DEFAULT_FILE):
            if (processes_dir / shared).exists():
                (root / shared).symlink_to((processes_dir / shared).resolve())
        if folder.is_dir():
            shutil.copytree(folder, root / slug)
        else:
            (root / slug).mkdir()
        (root / slug / PROCESS_FILE).write_text(source, encoding="utf-8")
        library = load_library(root)
        errors = [e for e in library.errors if e.file.startswith(f"{slug}/")]
        return library.get(slug), errors


def publish_source(processes_dir: Path, slug: str, source: str, author: str) -> ProcessVersion:
    """Store an edited definition as a new immutable version and make it current (audited in every
    town that offers the process). The folder stays the source of ``flask processes sync``."""
    process = db.session.scalar(select(Process).filter_by(slug=slug))
    if process is None:
        raise UnknownProcess(slug)
    loaded, errors = check_source(processes_dir, slug, source)
    if loaded is None or errors:
        raise ProcessLibraryError(problems=errors)
    previous = process.current_version_id
    version = _store_version(process, loaded, source, author)
    with all_tenants_context():
        town_ids = db.session.scalars(
            select(ProcessEnablement.tenant_id).filter_by(process_id=process.id, enabled=True)
        ).all()
    for town in db.session.scalars(select(Tenant).where(Tenant.id.in_(town_ids))):
        with tenant_context(town.info()):
            record(author, "process_version_published", "process", slug,
                   version=version.version, previous_version_id=previous, version_id=version.id)
            # Written while this town's context (and its row-level security setting) is active.
            db.session.flush()
    db.session.commit()
    return version


# --------------------------------------------------------------------------- enablement


def _enablement(slug: str) -> ProcessEnablement:
    row = db.session.scalar(
        select(ProcessEnablement).join(Process, Process.id == ProcessEnablement.process_id)
        .where(Process.slug == slug)
    )
    if row is None:
        process = db.session.scalar(select(Process).filter_by(slug=slug))
        if process is None:
            raise UnknownProcess(slug)
        row = ProcessEnablement(process=process, enabled=False, overrides={})
        db.session.add(row)
    return row


def set_enabled(slug: str, enabled: bool, actor: str) -> ProcessEnablement:
    """Switch a process on or off for the current town (audited in that town)."""
    row = _enablement(slug)
    if row.enabled != enabled:
        row.enabled = enabled
        record(actor, "process_enabled" if enabled else "process_disabled", "process", slug,
               town=current_tenant().slug)
    db.session.commit()
    return row


def set_overrides(slug: str, overrides: Mapping[str, Any], actor: str) -> ProcessEnablement:
    """Replace the current town's overrides of a process (empty values are dropped; audited)."""
    row = _enablement(slug)
    cleaned = {k: v for k, v in overrides.items() if v not in (None, "", {})}
    version = db.session.get_one(ProcessVersion, row.process.current_version_id)
    problems = override_problems(from_storable(version.definition), cleaned)
    if problems:
        raise ValueError("; ".join(f"{key}: {message}" for key, message in problems))
    if cleaned != row.overrides:
        record(actor, "process_overrides_changed", "process", slug, before=row.overrides, after=cleaned)
        row.overrides = cleaned
    db.session.commit()
    return row
