"""The reference page's content, read from the OpenAPI document: operations grouped by tag, their
parameters, bodies and answers, and every schema with its fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Row:
    """One parameter or field: name, type as people read it, required, description."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    summary: str
    scopes: list[str]
    parameters: list[Row]
    body: str | None
    responses: list[tuple[str, str, str]]


@dataclass
class Section:
    tag: str
    operations: list[Operation] = field(default_factory=list)


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type in a few words: ``string (date)``, ``array of CaseSummary``, ``A | null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combined in ("anyOf", "oneOf"):
        if combined in schema:
            return " | ".join(type_of(option) for option in schema[combined])
    if "enum" in schema:
        return " | ".join(f"“{value}”" for value in schema["enum"])
    if "const" in schema:
        return f"“{schema['const']}”"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    detail = schema.get("format") or schema.get("pattern")
    return f"{kind} ({detail})" if detail else str(kind)


def _rows(parameters: list[dict[str, Any]]) -> list[Row]:
    return [Row(f"{p['name']} ({p['in']})", type_of(p.get("schema", {})), bool(p.get("required")),
                p.get("description", "")) for p in parameters]


def fields_of(schema: dict[str, Any]) -> list[Row]:
    """The fields of an object schema."""
    required = set(schema.get("required", []))
    return [Row(name, type_of(prop), name in required, prop.get("description", ""))
            for name, prop in schema.get("properties", {}).items()]


def _schema_name(content: dict[str, Any]) -> str:
    return ", ".join(f"{media}: {type_of(value.get('schema', {}))}" for media, value in content.items())


def sections(document: dict[str, Any]) -> list[Section]:
    """The document's operations by tag, in the order of the paths."""
    by_tag: dict[str, Section] = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            spec = item[method]
            body = spec.get("requestBody", {}).get("content")
            requirements = spec.get("security", document.get("security", []))
            scopes = [scope for requirement in requirements for needed in requirement.values() for scope in needed]
            operation = Operation(
                id=spec["operationId"], method=method.upper(), path=path, summary=spec.get("summary", ""),
                scopes=scopes, parameters=_rows(spec.get("parameters", [])),
                body=_schema_name(body) if body else None,
                responses=[(code, answer.get("description", ""), _schema_name(answer.get("content", {})))
                           for code, answer in spec["responses"].items()],
            )
            for tag in spec.get("tags") or ["api"]:
                by_tag.setdefault(tag, Section(tag)).operations.append(operation)
    return list(by_tag.values())
