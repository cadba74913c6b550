"""Rule conditions: the immutable tree, its validation from JSON, and its rendering back.

A condition is ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": cond}`` or a comparison
``{"field", "op", "value"}``. Nothing from a user is ever executed or compiled (no eval, no
templates, no user regexes): values are plain data checked against the field catalogue.

Limits: depth ≤ 8 (the root is level 1), ≤ 200 nodes in total, lists under ``in``/``not_in``
≤ 100 items, strings 1-256 characters, numbers finite. Groups must be non-empty.

Normalisation (so equal rules compare equal): values for enum-like fields are stored in their
canonical case (``"INR"``, ``"visa"``); everything else is kept as given, lists become tuples.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, NoReturn, TypeAlias, TypeVar

from tinko.rules.errors import ErrorList, Loc, RuleValidationError, show
from tinko.rules.fields import FieldSpec, field_spec, matches_pattern, unknown_field_message

OPERATORS: Final = (
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "exists",
)
OPERATORS_BY_KIND: Final[Mapping[str, tuple[str, ...]]] = {
    "str": ("eq", "ne", "in", "not_in", "contains", "exists"),
    "bool": ("eq", "ne", "exists"),
    "number": ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "exists"),
    "any": OPERATORS,
}
ORDERING_OPS: Final = frozenset({"gt", "gte", "lt", "lte"})
GROUP_KEYS: Final = ("all", "any", "not")
COMPARISON_KEYS: Final = ("field", "op", "value")
MAX_DEPTH: Final = 8
MAX_NODES: Final = 200
MAX_LIST_ITEMS: Final = 100
MAX_STRING: Final = 256

Scalar: TypeAlias = str | int | float | bool
Value: TypeAlias = Scalar | tuple[Scalar, ...]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    condition: Condition


Condition: TypeAlias = Comparison | AllOf | AnyOf | Not


def condition_to_dict(condition: Condition) -> dict[str, object]:
    """JSON-ready form; ``validate_conditions(condition_to_dict(c)) == c``."""
    if isinstance(condition, Comparison):
        value = condition.value
        rendered = list(value) if isinstance(value, tuple) else value
        return {"field": condition.field, "op": condition.op, "value": rendered}
    if isinstance(condition, Not):
        return {"not": condition_to_dict(condition.condition)}
    key = "all" if isinstance(condition, AllOf) else "any"
    return {key: [condition_to_dict(child) for child in condition.conditions]}


def validate_conditions(raw: object, *, loc_prefix: Loc = ("conditions",)) -> Condition:
    """Parse JSON-like ``raw`` into a condition tree, or raise with every problem found."""
    errors = ErrorList()
    tree = _Walker(errors).node(raw, loc_prefix, 1)
    if errors or tree is None:
        raise RuleValidationError(errors.items)
    return tree


class _Walker:
    """One validation pass; counts nodes so hostile input costs at most ~MAX_NODES steps."""

    def __init__(self, errors: ErrorList) -> None:
        self.errors = errors
        self.nodes = 0

    def node(self, raw: object, loc: Loc, depth: int) -> Condition | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.errors.add(loc, f"too many conditions: at most {MAX_NODES} nodes in total")
            return None
        if depth > MAX_DEPTH:
            # Do not descend: the error is at the first node past the limit.
            self.errors.add(loc, f"conditions nest deeper than {MAX_DEPTH} levels")
            return None
        if not isinstance(raw, Mapping):
            self.errors.add(
                loc,
                "expected a condition object: {all|any: [...]}, {not: {...}} or {field, op, value}",
            )
            return None
        groups = [key for key in GROUP_KEYS if key in raw]
        if len(groups) > 1:
            self.errors.add(loc, f"a condition holds exactly one of all, any, not; got {groups}")
            return None
        if groups:
            return self.group(raw, groups[0], loc, depth)
        return self.comparison(raw, loc)

    def group(
        self, raw: Mapping[object, object], key: str, loc: Loc, depth: int
    ) -> Condition | None:
        ok = True
        for extra in raw:
            if extra != key:
                ok = False
                self.errors.add((*loc, str(extra)), f"unknown key {show(extra)} next to '{key}'")
        body = raw[key]
        if key == "not":
            child = self.node(body, (*loc, key), depth + 1)
            return Not(child) if ok and child is not None else None
        if not isinstance(body, list | tuple) or not body:
            self.errors.add((*loc, key), f"'{key}' takes a non-empty list of conditions")
            return None
        children: list[Condition] = []
        for index, item in enumerate(body):
            if self.nodes > MAX_NODES:
                return None
            child = self.node(item, (*loc, key, index), depth + 1)
            if child is None:
                ok = False
            else:
                children.append(child)
        if not ok:
            return None
        return AllOf(tuple(children)) if key == "all" else AnyOf(tuple(children))

    def comparison(self, raw: Mapping[object, object], loc: Loc) -> Comparison | None:
        before = len(self.errors)
        if not raw:
            self.errors.add(loc, "empty condition; expected all, any, not or field/op/value")
            return None
        for key in raw:
            if key not in COMPARISON_KEYS:
                self.errors.add(
                    (*loc, str(key)), f"unknown key {show(key)}; a comparison has field, op, value"
                )
        for key in COMPARISON_KEYS:
            if key not in raw:
                self.errors.add((*loc, key), f"missing '{key}'")
        field, op = raw.get("field"), raw.get("op")
        spec = field_spec(field) if isinstance(field, str) else None
        if "field" in raw and spec is None:
            self.errors.add((*loc, "field"), unknown_field_message(field))
        if "op" in raw:
            if not isinstance(op, str) or op not in OPERATORS:
                self.errors.add(
                    (*loc, "op"),
                    f"unknown operator {show(op)}; use one of {', '.join(OPERATORS)}",
                )
            elif spec is not None and op not in OPERATORS_BY_KIND[spec.kind]:
                allowed = ", ".join(OPERATORS_BY_KIND[spec.kind])
                self.errors.add(
                    (*loc, "op"),
                    f"operator '{op}' does not apply to {field} (a {spec.kind}); "
                    f"use one of {allowed}",
                )
        if len(self.errors) > before or "value" not in raw:
            return None
        # No errors so far means field and op passed the checks above; tell the type checker.
        assert isinstance(field, str)
        assert isinstance(op, str)
        assert spec is not None
        value = _Values(self.errors, spec, field).check(op, raw["value"], (*loc, "value"))
        return None if value is None else Comparison(field, op, value)


class _Invalid(Exception):
    """Internal: the value under check is bad (its error is already recorded)."""


class _Values:
    """Value checks for one field: each returns the normalised value or records and raises."""

    def __init__(self, errors: ErrorList, spec: FieldSpec, field: str) -> None:
        self.errors, self.spec, self.field = errors, spec, field

    def check(self, op: str, raw: object, loc: Loc) -> Value | None:
        try:
            return self.value(op, raw, loc)
        except _Invalid:
            return None

    def value(self, op: str, raw: object, loc: Loc) -> Value:
        if op == "exists":
            if isinstance(raw, bool):
                return raw
            self.fail(loc, "'exists' takes true or false")
        if op in ("in", "not_in"):
            if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= MAX_LIST_ITEMS:
                self.fail(loc, f"'{op}' takes a non-empty list of at most {MAX_LIST_ITEMS} values")
            return self.each(raw, loc, self.scalar)
        if op in ORDERING_OPS:
            return self.number(raw, loc)
        if op == "between":
            if not isinstance(raw, list | tuple) or len(raw) != 2:
                self.fail(loc, "'between' takes [low, high]")
            low, high = self.each(raw, loc, self.number)
            if low > high:
                self.fail(loc, f"'between' needs low <= high; got [{low}, {high}]")
            return (low, high)
        if op == "contains" and self.spec.kind == "str":
            return self.string(raw, loc)  # a substring: not checked against the vocabulary
        return self.scalar(raw, loc)

    def fail(self, loc: Loc, msg: str) -> NoReturn:
        self.errors.add(loc, msg)
        raise _Invalid

    def each(
        self, raw: list[object] | tuple[object, ...], loc: Loc, check: Callable[[object, Loc], T]
    ) -> tuple[T, ...]:
        """Check every item (reporting all bad ones), then fail if any was bad."""
        values: list[T] = []
        for index, item in enumerate(raw):
            with contextlib.suppress(_Invalid):
                values.append(check(item, (*loc, index)))
        if len(values) != len(raw):
            raise _Invalid
        return tuple(values)

    def scalar(self, raw: object, loc: Loc) -> Scalar:
        kind = self.spec.kind
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            self.fail(loc, f"{self.field} is true or false; got {show(raw)}")
        if kind == "number":
            return self.number(raw, loc)
        if kind == "str":
            return self.enum(raw, loc)
        if isinstance(raw, str):
            return self.string(raw, loc)
        if isinstance(raw, bool):
            return raw
        if not isinstance(raw, int | float):
            self.fail(loc, f"expected a string, number or boolean; got {show(raw)}")
        return self.number(raw, loc)

    def number(self, raw: object, loc: Loc) -> int | float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(loc, f"expected a number; got {show(raw)}")
        if isinstance(raw, float):
            if not math.isfinite(raw):
                self.fail(loc, "expected a finite number")
            if self.spec.integer:
                unit = " in minor units" if self.field == "amount" else ""
                self.fail(loc, f"{self.field} is a whole number{unit}; got {raw!r}")
        return raw

    def string(self, raw: object, loc: Loc) -> str:
        if not isinstance(raw, str):
            self.fail(loc, f"expected a string; got {show(raw)}")
        if not 1 <= len(raw) <= MAX_STRING:
            self.fail(loc, f"expected 1-{MAX_STRING} characters")
        return raw

    def enum(self, raw: object, loc: Loc) -> str:
        text = self.string(raw, loc)
        value = text.upper() if self.spec.case == "upper" else text.lower()
        vocabulary = self.spec.vocabulary
        if vocabulary is not None and value not in vocabulary:
            self.fail(loc, f"unknown {self.field} {show(text)}; use one of {', '.join(vocabulary)}")
        if not matches_pattern(self.field, value):
            self.fail(loc, f"{show(text)} is not a valid {self.field}: {self.spec.pattern}")
        return value
