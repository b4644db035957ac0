"""Reading the YAML files of the repository (process library, Aktenplan) strictly: safe, and a key
written twice is an error instead of PyYAML's silent "last one wins"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class StrictLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses duplicate keys."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> tuple[Any, str | None]:
    """The file's data, or None and a one-line problem (syntax, duplicate key, unreadable)."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader), None
    except yaml.YAMLError as exc:
        return None, f"invalid YAML: {exc}".replace("\n", " ")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read file: {exc}"
