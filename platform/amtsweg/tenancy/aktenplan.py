"""A town's Aktenplan (file plan): the file format, its checks and the plan as the records use it.

The plan is data like ``tenant.toml``: a town keeps its own in ``tenants/<slug>/aktenplan.yaml``;
without one it uses the shared default for Hessian municipalities beside the process library,
``shared_processes/_aktenplan.yaml`` (the units process definitions refer to). ``flask tenants
sync`` checks the plan with the town and stores it with the town; problems name file, key and
reason. The format::

    title: "Aktenplan der Stadt Beispielstadt"
    units:
      "1":       {title: "Öffentliche Sicherheit und Ordnung"}
      "1.2":     {title: "Gewerbeangelegenheiten", retention_years: 10, archive: B}
      "1.2.1":   {title: "Gewerbeanzeigen"}

A unit's number is dotted digits; every unit below the top level needs its parent. Retention (years
after the end of the year a Vorgang was closed) and the archive's assessment hint — ``A``
archivwürdig, ``V`` vernichten, ``B`` bewerten — are inherited from the nearest unit above that
sets them; every unit that has no units below it must end up with both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from amtsweg.errors import Problem
from amtsweg.yamlfiles import read_yaml

DEFAULT_FILE = "_aktenplan.yaml"
TOWN_FILE = "aktenplan.yaml"
UNIT_NUMBER = re.compile(r"^\d{1,4}(\.\d{1,4}){0,7}$")
Hint = Literal["A", "B", "V"]
HINT_LABELS = {"A": "archivwürdig", "B": "bewerten", "V": "vernichten"}


class _UnitFile(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, Field(min_length=1, max_length=200)]
    retention_years: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None
    archive: Hint | None = None


class _PlanFile(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, Field(min_length=1, max_length=200)]
    units: Annotated[dict[str, _UnitFile], Field(min_length=1)]


@dataclass(frozen=True)
class Unit:
    """One unit of the plan with its retention and hint resolved (None: not set here or above)."""

    number: str
    title: str
    retention_years: int | None
    archive: Hint | None

    @property
    def fileable(self) -> bool:
        """Whether cases can be filed here (retention and hint are known)."""
        return self.retention_years is not None and self.archive is not None


@dataclass(frozen=True)
class Aktenplan:
    title: str
    units: dict[str, Unit]

    def unit(self, number: str) -> Unit | None:
        return self.units.get(number)

    def to_settings(self) -> dict[str, Any]:
        """Plain data to keep with the town (see :func:`from_settings`)."""
        return {"title": self.title, "units": {
            number: {"title": u.title, "retention_years": u.retention_years, "archive": u.archive}
            for number, u in self.units.items()
        }}

    @classmethod
    def from_settings(cls, data: dict[str, Any]) -> Aktenplan:
        return cls(data["title"], {number: Unit(number, **unit) for number, unit in data["units"].items()})


@dataclass(frozen=True)
class TownPlan:
    """A town's Aktenplan as stored with the town: the plan, its file and the town's own mapping
    of processes onto units (where the unit named in a definition does not fit)."""

    file: str
    plan: Aktenplan
    processes: dict[str, str]

    def unit_for(self, process: str, named: str | None) -> Unit | None:
        """The unit cases of ``process`` are filed under; ``named`` is the definition's unit."""
        number = self.processes.get(process, named)
        return self.plan.unit(number) if number else None

    @classmethod
    def from_settings(cls, data: dict[str, Any]) -> TownPlan:
        return cls(data["file"], Aktenplan.from_settings(data), dict(data.get("processes", {})))


def _parent(number: str) -> str | None:
    return number.rsplit(".", 1)[0] if "." in number else None


def _sort_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _structure_problems(file: str, plan: _PlanFile) -> list[Problem]:
    problems = []
    for number in plan.units:
        key = f'units["{number}"]'
        if not UNIT_NUMBER.match(number):
            problems.append(Problem(key, "a unit number is digits separated by dots, e.g. \"1.2.3\"", file=file))
        elif (parent := _parent(number)) is not None and parent not in plan.units:
            problems.append(Problem(key, f'its parent unit "{parent}" is missing', file=file))
    return problems


def _resolve(plan: _PlanFile) -> dict[str, Unit]:
    resolved: dict[str, Unit] = {}
    for number in sorted(plan.units, key=_sort_key):
        own = plan.units[number]
        parent = resolved.get(_parent(number) or "")
        resolved[number] = Unit(
            number, own.title,
            own.retention_years if own.retention_years is not None else (parent.retention_years if parent else None),
            own.archive or (parent.archive if parent else None),
        )
    return resolved


def parse(data: Any, file: str) -> tuple[Aktenplan | None, list[Problem]]:
    """Check the contents of a plan file; returns the plan or every problem found."""
    try:
        raw = _PlanFile.model_validate(data)
    except ValidationError as exc:
        return None, [
            Problem(_key(item["loc"]), item["msg"].removeprefix("Value error, "), file=file)
            for item in exc.errors(include_url=False)
        ]
    problems = _structure_problems(file, raw)
    if problems:
        return None, problems
    units = _resolve(raw)
    leaves = set(units) - {_parent(number) for number in units}
    for number in sorted(leaves, key=_sort_key):
        unit = units[number]
        for attribute in ("retention_years", "archive"):
            if getattr(unit, attribute) is None:
                problems.append(Problem(
                    f'units["{number}"].{attribute}', "not set here nor on a unit above (needed for filing)", file=file
                ))
    return (None, problems) if problems else (Aktenplan(raw.title, units), [])


def _key(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "units":
        return f'units["{loc[1]}"]' + "".join(f".{part}" for part in loc[2:])
    return ".".join(str(part) for part in loc) or "(file)"


def load(path: Path, file: str) -> tuple[Aktenplan | None, list[Problem]]:
    """Read and check one plan file; ``file`` is how problems name it."""
    if not path.is_file():
        return None, [Problem("(file)", "file is missing", file=file)]
    data, problem = read_yaml(path)
    if problem:
        return None, [Problem("(syntax)", problem, file=file)]
    return parse(data, file)


def default_path(processes_dir: Path) -> Path:
    """The shared default plan beside the process library."""
    return processes_dir / DEFAULT_FILE
