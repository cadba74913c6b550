"""The one error the rules package raises: every problem found, each with its location."""

from __future__ import annotations

from typing import TypeAlias

Loc: TypeAlias = tuple[str | int, ...]


class RuleValidationError(ValueError):
    """Raised by ``validate_conditions`` / ``validate_actions`` with ALL problems found.

    ``errors`` is ``[{"loc": [...], "msg": "..."}]``, ready for a problem+json ``errors`` list.
    """

    def __init__(self, errors: list[dict[str, object]]) -> None:
        self.errors = errors
        super().__init__("; ".join(_describe(e) for e in errors) or "invalid rule")


def _describe(error: dict[str, object]) -> str:
    loc = error.get("loc")
    where = ".".join(str(part) for part in loc) if isinstance(loc, list) else ""
    return f"{where}: {error.get('msg')}"


class ErrorList:
    """Collects problems so validation reports all of them, not just the first."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def add(self, loc: Loc, msg: str) -> None:
        self.items.append({"loc": list(loc), "msg": msg})

    def __len__(self) -> int:
        return len(self.items)


def show(value: object, limit: int = 40) -> str:
    """A short repr of user input for error messages (never echo megabytes back)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
