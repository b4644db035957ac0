"""Loads the shared process library from ``shared_processes/`` and reports every problem at once."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
import yaml
from cachetools import LRUCache
from pydantic import ValidationError

from amtsweg.errors import Problem
from amtsweg.forms.base import field_type_names
from amtsweg.processes.schema import (
    ACTION_TYPES,
    ProcessDefinition,
    ValidationContext,
    Workflow,
    semantic_issues,
    template_files,
    workflow_issues,
)
from amtsweg.tenancy import aktenplan
from amtsweg.yamlfiles import read_yaml

PROCESS_FILE = "process.yaml"
WORKFLOWS_DIR = "_workflows"
TEMPLATES_DIR = "_templates"
LEIKA_FILE = "_leika.csv"
TEMPLATE_PATTERNS = ("letters/*.html", "mails/*.txt")


@dataclass(frozen=True)
class LoadedProcess:
    """A valid definition with its content-hash version and the templates it uses."""

    definition: ProcessDefinition
    version: str
    folder: Path
    templates: dict[str, str]


@dataclass
class Library:
    processes: dict[str, LoadedProcess] = field(default_factory=dict)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)

    def get(self, slug: str) -> LoadedProcess | None:
        return self.processes.get(slug)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def line_of(source: str, path: str) -> int | None:
    """The line (from 1) of the YAML ``source`` where ``path`` (``form.steps[2].fields[0].type``)
    is written, or of its nearest existing parent; None when the source does not parse."""
    try:
        node: yaml.Node | None = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for name, index in _PATH_PART.findall(path):
        if isinstance(node, yaml.MappingNode) and name:
            found = next(((key, value) for key, value in node.value if key.value == name), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        else:
            break
    return line


# --------------------------------------------------------------------------- pydantic errors


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``('form', 'steps', 2, 'fields', 0, 'type')`` → ``form.steps[2].fields[0].type``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def issues_from_validation_error(exc: ValidationError) -> list[Problem]:
    """Turns pydantic's errors into issues with the definition's own paths and plain messages."""
    issues = []
    for error in exc.errors(include_url=False):
        loc, tag = _strip_union_tags(error["loc"])
        kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
        if kind == "union_tag_invalid":
            what = "action type" if loc and loc[-2:-1] == ("actions",) else "field type"
            if ctx.get("tag") == "group" and what == "field type":
                message = "field type 'group' is not allowed inside a group"
            else:
                message = f"unknown {what} '{ctx.get('tag')}'"
            loc = (*loc, "type")
        elif kind == "union_tag_not_found":
            loc, message = (*loc, "type"), "missing required key 'type'"
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
        elif kind == "extra_forbidden":
            key = loc[-1]
            message = (f"key '{key}' is not allowed for field type '{tag}'" if tag in field_type_names()
                       else f"unknown key '{key}'")
        elif kind == "value_error":
            message = error["msg"].removeprefix("Value error, ")
        else:
            message = error["msg"]
            if isinstance(value, (str, int, float, bool)) or value is None:
                message += f" (got {value!r})"
        issues.append(Problem(format_path(loc), message))
    return issues


def _strip_union_tags(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], str | None]:
    """pydantic puts the discriminator value into the location of field and action errors."""
    out: list[Any] = []
    tag = None
    for i, part in enumerate(loc):
        inside_union_list = i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] in ("fields", "actions")
        if inside_union_list and isinstance(part, str) and part in (*field_type_names(), *ACTION_TYPES):
            tag = part
            continue
        out.append(part)
    return tuple(out), tag


# --------------------------------------------------------------------------- library


def read_leika_keys(path: Path) -> frozenset[str]:
    """The allowed LeiKa keys (column ``leika`` of the CSV)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["leika"].strip() for row in csv.DictReader(handle) if row.get("leika"))


def load_library(root: Path, leika_csv: Path | None = None) -> Library:
    """Loads every process folder under ``root`` (folders starting with ``_`` or ``.`` are skipped).

    Problems never stop loading: each is recorded in ``Library.errors`` and only valid
    definitions end up in ``Library.processes``.
    """
    library = Library()
    leika_path = leika_csv or root / LEIKA_FILE
    try:
        leika_keys = read_leika_keys(leika_path)
    except (OSError, KeyError, csv.Error) as exc:
        library.errors.append(Problem(file=_rel(leika_path, root), path="", message=f"cannot read LeiKa list: {exc}"))
        leika_keys = frozenset()

    plan, plan_problems = aktenplan.load(aktenplan.default_path(root), aktenplan.DEFAULT_FILE)
    library.errors += plan_problems
    broken = _load_workflows(root, library)
    _check_shared_templates(root, library)
    context = ValidationContext(
        leika_keys=leika_keys, aktenplan=plan, workflows=library.workflows, broken_workflows=broken
    )
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        loaded = _load_process(root, folder, context, library.errors)
        if loaded is not None:
            library.processes[loaded.definition.slug] = loaded
    return library


def validate_library(root: Path, leika_csv: Path | None = None) -> tuple[Library, list[Problem]]:
    """Loads the library and returns it with its errors (empty when everything is valid)."""
    library = load_library(root, leika_csv)
    return library, library.errors


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _load_workflows(root: Path, library: Library) -> frozenset[str]:
    broken = set()
    for path in sorted((root / WORKFLOWS_DIR).glob("*.yaml")):
        name, file = path.stem, _rel(path, root)
        data, problem = read_yaml(path)
        issues = [Problem("", problem)] if problem else []
        workflow = None
        if not issues:
            try:
                workflow = Workflow.model_validate(data)
            except ValidationError as exc:
                issues = issues_from_validation_error(exc)
        if workflow is not None:
            issues = workflow_issues(workflow, "")
        if issues:
            broken.add(name)
            library.errors += [replace(i, file=file) for i in issues]
        elif workflow is not None:
            library.workflows[name] = workflow
    return frozenset(broken)


def _template_syntax_errors(path: Path, file: str) -> list[Problem]:
    text = path.read_text(encoding="utf-8")
    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return [Problem(file=file, path=f"line {exc.lineno}", message=f"template syntax error: {exc.message}")]
    lines = text.splitlines()
    if path.suffix == ".txt" and (len(lines) < 3 or not lines[0].strip() or lines[1].strip()):
        return [Problem("line 1", "a mail template starts with the subject line and a blank line", file=file)]
    return []


def _template_names(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for pattern in TEMPLATE_PATTERNS for p in folder.glob(pattern))


def _check_shared_templates(root: Path, library: Library) -> None:
    shared = root / TEMPLATES_DIR
    for name in _template_names(shared):
        library.errors += _template_syntax_errors(shared / name, f"{TEMPLATES_DIR}/{name}")


def _load_process(
    root: Path, folder: Path, base: ValidationContext, errors: list[Problem]
) -> LoadedProcess | None:
    path = folder / PROCESS_FILE
    file = _rel(path, root)
    if not path.is_file():
        errors.append(Problem(file=file, path="", message=f"{PROCESS_FILE} is missing"))
        return None
    data, problem = read_yaml(path)
    if problem is None and not isinstance(data, dict):
        problem = "the file must contain a mapping of keys"
    if problem:
        errors.append(Problem(file=file, path="", message=problem))
        return None

    own = _template_names(folder)
    shared_dir = root / TEMPLATES_DIR
    template_errors = [e for name in own for e in _template_syntax_errors(folder / name, _rel(folder / name, root))]

    def template_exists(name: str) -> bool:
        return (folder / name).is_file() or (shared_dir / name).is_file()

    context = ValidationContext(
        leika_keys=base.leika_keys,
        aktenplan=base.aktenplan,
        workflows=base.workflows,
        broken_workflows=base.broken_workflows,
        folder_name=folder.name,
        template_exists=template_exists,
    )
    try:
        definition = ProcessDefinition.model_validate(data, context=context)
    except ValidationError as exc:
        issues = issues_from_validation_error(exc)
    else:
        issues = semantic_issues(definition, context)
    if issues:
        source = path.read_text(encoding="utf-8")
        issues = [replace(i, file=file, row=line_of(source, i.path) if i.path else None) for i in issues]
    errors += issues
    errors += template_errors
    if issues or template_errors:
        return None

    templates = _collect_templates(definition, folder, shared_dir, own)
    return LoadedProcess(definition, compute_version(definition, templates), folder, templates)


def _collect_templates(definition: ProcessDefinition, folder: Path, shared_dir: Path, own: list[str]) -> dict[str, str]:
    """The process's own templates, the shared ones its actions use, and the shared layouts (``_*``)."""
    names = set(own)
    if definition.workflow is not None:
        names.update(n for t in definition.workflow.transitions for a in t.actions for n in template_files(a))
    names.update(p.relative_to(shared_dir).as_posix() for p in shared_dir.glob("letters/_*.html"))
    return {
        name: ((folder / name) if (folder / name).is_file() else (shared_dir / name)).read_text(encoding="utf-8")
        for name in sorted(names)
    }


def definition_dict(definition: ProcessDefinition) -> dict[str, Any]:
    """The definition as plain JSON data (workflow resolved, defaults filled in)."""
    return definition.model_dump(mode="json", by_alias=True)


def compute_version(definition: ProcessDefinition, templates: dict[str, str]) -> str:
    """sha256 over the canonical JSON of the definition and the text of its templates."""
    payload = {"definition": definition_dict(definition), "templates": templates}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def to_storable(loaded: LoadedProcess) -> dict[str, Any]:
    """Everything needed to store an immutable version: ``version``, ``definition``, ``templates``."""
    return {
        "version": loaded.version,
        "definition": definition_dict(loaded.definition),
        "templates": dict(loaded.templates),
    }


# Parsed definitions by version hash. A version is immutable and named by the hash of its content,
# so a definition is parsed and validated once per process, not on every request that needs it.
DEFINITIONS_KEPT = 512
_definitions: LRUCache[str, ProcessDefinition] = LRUCache(maxsize=DEFINITIONS_KEPT)
_definitions_lock = threading.Lock()


def stored_definition(version: str, load: Callable[[], dict[str, Any]]) -> ProcessDefinition:
    """The definition of the stored version with hash ``version``; ``load()`` gives its
    :func:`to_storable` data and is only called when the definition is not parsed yet.

    Callers treat the shared definition as read-only.
    """
    with _definitions_lock:
        found = _definitions.get(version)
    if found is None:
        found = ProcessDefinition.model_validate(load()["definition"])
        with _definitions_lock:
            _definitions[version] = found
    return found


def from_storable(data: dict[str, Any]) -> ProcessDefinition:
    """Rebuilds a definition from :func:`to_storable` output (e.g. a stored version)."""
    return stored_definition(data["version"], lambda: data)
