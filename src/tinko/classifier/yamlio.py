"""YAML reading with a SafeLoader that rejects repeated mapping keys.

PyYAML silently keeps the last of two equal keys; in a code table that hides a typo
(two rows for "51", one of them lost), so we refuse such files.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from tinko.classifier.errors import ClassifierDataError


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class UniqueKeySafeLoader(yaml.SafeLoader):
    """SafeLoader whose mappings refuse a key seen twice."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hashable = key in seen
            except TypeError:  # an unhashable key is reported by the base class
                continue
            if hashable:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_map(loader: UniqueKeySafeLoader, node: Node) -> dict[Any, Any]:
    assert isinstance(node, MappingNode)
    return loader.construct_mapping(node, deep=True)


UniqueKeySafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def parse_yaml(text: str, file: str) -> object:
    """Parse one YAML document; every failure becomes a ClassifierDataError naming ``file``."""
    try:
        return yaml.load(text, Loader=UniqueKeySafeLoader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        raise ClassifierDataError(
            file, str(exc.key), f"duplicate key (second occurrence on line {exc.line})"
        ) from None
    except yaml.YAMLError as exc:
        raise ClassifierDataError(file, None, f"not valid YAML: {exc}") from None
