"""The one rule for control characters in text that reaches us from outside.

Refused (API input) or replaced (stored webhook payloads): C0 controls other than tab, line
feed and carriage return, DEL, C1 controls, and unpaired UTF-16 surrogates. PostgreSQL cannot
store NUL in text or JSONB, neither database can encode a lone surrogate, and none of the
others has a use in a name, a reference or a message, so both databases see the same input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# What a JSON body must contain for a decoded string to hold a forbidden character: an escape
# of a C0/C1 control, DEL or a surrogate, or DEL and C1 controls sent raw (JSON allows those).
_JSON_SUSPECT = re.compile(
    rb"\\u00[0189][0-9a-fA-F]|\\u007[fF]|\\u[dD][89a-fA-F]|\x7f|\xc2[\x80-\x9f]"
)

Loc = tuple[str | int, ...]


def has_forbidden(text: str) -> bool:
    return FORBIDDEN.search(text) is not None


def json_may_have_forbidden(body: bytes) -> bool:
    """A cheap pre-check on raw JSON; False means no decoded string can break the rule."""
    return _JSON_SUSPECT.search(body) is not None


def forbidden_locations(value: Any, prefix: Loc = ()) -> Iterator[Loc]:
    """Where, in decoded JSON, a key or a string breaks the rule (iterative: no depth limit)."""
    stack: list[tuple[Loc, Any]] = [(prefix, value)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, str):
            if has_forbidden(item):
                yield loc
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if isinstance(key, str) and has_forbidden(key):
                    yield (*loc, key)
                stack.append(((*loc, key), child))
        elif isinstance(item, list):
            stack.extend(((*loc, index), child) for index, child in reversed(list(enumerate(item))))


def scrub(value: Any) -> Any:
    """A copy of decoded JSON with every forbidden character replaced by U+FFFD.

    The caller bounds the depth (recursion here follows the document's nesting).
    """
    if isinstance(value, str):
        return FORBIDDEN.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {scrub(key): scrub(child) for key, child in value.items()}
    if isinstance(value, list):
        return [scrub(child) for child in value]
    return value
