"""Evaluate rules against one failed payment's context, and explain the result step by step.

Semantics (documented to merchants; the API layer must not change them):

* Rules: enabled ones run in ``(priority, id)`` order; the first whose conditions match wins
  and its actions are the decision; later rules are not evaluated. No match → ``matched`` is
  None and ``actions`` is empty (the caller falls back to its retry policy).
* Lookup: ``customer.x`` reads ``context["customer"]["x"]``, ``metadata.x`` reads
  ``context["metadata"]["x"]``, other fields are top-level keys. An absent key, a ``null``
  value, or a ``customer``/``metadata`` that is not an object all mean *missing*.
* Missing field: every comparison is false, *including* ``ne`` and ``not_in``; only
  ``exists: false`` is true. ``not`` inverts as usual, so ``not (country eq "IN")`` is true when
  country is missing. The trace shows ``actual: null`` and says the field is missing.
* Wrong type: a present value of another kind than the rule's value (``"100"`` for amount,
  ``1`` for retryable, a list for ``eq``) makes every comparison false, again including
  ``ne``/``not_in``; ``exists: true`` is true. Booleans are never numbers.
* Strings: ``eq ne in not_in`` ignore case for the catalogue's enum-like fields (category,
  decline_type, currency, gateway, payment_method_type, country, card_network) and respect it
  for ``customer.*``/``metadata.*``. ``contains`` is a case-insensitive substring test on a
  string, or membership in a list (strings compared ignoring case).
* ``all``/``any`` short-circuit like Python; their trace step says how many children were
  skipped. ``between`` is inclusive.
* Pure: no clock reads (``hours_since_failure`` comes in the context), no I/O. ``evaluate``
  never raises for any JSON-like context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from tinko.rules.actions import Action, action_to_dict
from tinko.rules.conditions import (
    AllOf,
    Comparison,
    Condition,
    Not,
    Value,
    condition_to_dict,
)
from tinko.rules.fields import field_spec


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()
MISSING_NOTE: Final = "field missing: every comparison with a missing value is false"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    version: int
    name: str
    priority: int
    enabled: bool
    conditions: Condition
    actions: tuple[Action, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "version": self.version,
            "name": self.name,
            "priority": self.priority,
            "enabled": self.enabled,
            "conditions": condition_to_dict(self.conditions),
            "actions": [action_to_dict(action) for action in self.actions],
        }


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One line of the explanation.

    Kinds: a comparison (``field`` and ``op`` set); a group verdict (``field`` None, ``op`` one
    of all/any/not, written after its children); a rule verdict (``field`` and ``op`` None,
    ``path`` empty: matched, did not match, or disabled). ``note`` says why, in words.
    """

    rule_id: str
    path: tuple[str | int, ...]
    field: str | None
    op: str | None
    expected: object
    actual: object
    result: bool
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        expected = self.expected
        return {
            "rule_id": self.rule_id,
            "path": list(self.path),
            "field": self.field,
            "op": self.op,
            "expected": list(expected) if isinstance(expected, tuple) else expected,
            "actual": self.actual,
            "result": self.result,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    matched: RuleSpec | None
    actions: tuple[Action, ...]
    trace: tuple[TraceStep, ...]

    def to_dict(self) -> dict[str, object]:
        matched = self.matched
        return {
            "matched": None
            if matched is None
            else {"rule_id": matched.id, "version": matched.version},
            "actions": [action_to_dict(action) for action in self.actions],
            "trace": [step.to_dict() for step in self.trace],
        }


def evaluate(rules: Sequence[RuleSpec], context: Mapping[str, object]) -> Decision:
    """The first matching enabled rule in ``(priority, id)`` order, with the full trace."""
    if not isinstance(context, Mapping):  # defensive: callers are typed, JSON may not be
        context = {}
    trace: list[TraceStep] = []
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if not rule.enabled:
            trace.append(_verdict(rule.id, False, "rule disabled; not evaluated"))
            continue
        matched = _Run(rule.id, context, trace).node(rule.conditions, ())
        if matched:
            note = "rule matched: its actions apply and later rules are not evaluated"
            trace.append(_verdict(rule.id, True, note))
            return Decision(matched=rule, actions=rule.actions, trace=tuple(trace))
        trace.append(_verdict(rule.id, False, "rule did not match"))
    return Decision(matched=None, actions=(), trace=tuple(trace))


def lookup(context: Mapping[str, object], field: str) -> object:
    """The context value of ``field``, or ``MISSING`` (absent, null, or no such object)."""
    head, dot, name = field.partition(".")
    if dot:
        container = context.get(head)
        value = container.get(name) if isinstance(container, Mapping) else None
    else:
        value = context.get(field)
    return MISSING if value is None else value


def _verdict(rule_id: str, result: bool, note: str) -> TraceStep:
    return TraceStep(rule_id, (), None, None, None, None, result, note)


class _Run:
    """Evaluates one rule's tree, appending to the shared trace."""

    def __init__(self, rule_id: str, context: Mapping[str, object], trace: list[TraceStep]) -> None:
        self.rule_id, self.context, self.trace = rule_id, context, trace

    def node(self, condition: Condition, path: tuple[str | int, ...]) -> bool:
        if isinstance(condition, Comparison):
            return self.leaf(condition, path)
        if isinstance(condition, Not):
            inner = self.node(condition.condition, (*path, "not"))
            note = f"inverts {str(inner).lower()} to {str(not inner).lower()}"
            self.group_step(path, "not", not inner, note)
            return not inner
        key = "all" if isinstance(condition, AllOf) else "any"
        stop_on = key == "any"  # any stops at the first true, all at the first false
        children = condition.conditions
        for index, child in enumerate(children):
            if self.node(child, (*path, key, index)) is stop_on:
                skipped = len(children) - index - 1
                note = f"condition {index} is {str(stop_on).lower()}"
                if skipped:
                    note += f"; {skipped} later not evaluated (short-circuit)"
                self.group_step(path, key, stop_on, note)
                return stop_on
        verdict = "all" if key == "all" else "none"
        note = f"{verdict} of {len(children)} conditions true"
        self.group_step(path, key, not stop_on, note)
        return not stop_on

    def group_step(self, path: tuple[str | int, ...], op: str, result: bool, note: str) -> None:
        self.trace.append(TraceStep(self.rule_id, path, None, op, None, None, result, note))

    def leaf(self, comparison: Comparison, path: tuple[str | int, ...]) -> bool:
        actual = lookup(self.context, comparison.field)
        result, note = compare(comparison, actual)
        shown = None if actual is MISSING else actual
        self.trace.append(
            TraceStep(
                self.rule_id,
                path,
                comparison.field,
                comparison.op,
                comparison.value,
                shown,
                result,
                note,
            )
        )
        return result


def compare(comparison: Comparison, actual: object) -> tuple[bool, str | None]:
    """One comparison → (result, note when the value was missing or of the wrong kind)."""
    op, expected = comparison.op, comparison.value
    if actual is MISSING:
        return (expected is False, "field missing") if op == "exists" else (False, MISSING_NOTE)
    if op == "exists":
        return expected is True, None
    spec = field_spec(comparison.field)
    if spec is None:  # only reachable with a hand-built, unvalidated tree
        return False, "unknown field"
    fold = spec.kind == "str"
    items: tuple[object, ...] = expected if isinstance(expected, tuple) else (expected,)
    want = {_kind(item) for item in items}
    got = _kind(actual)
    if op == "contains":
        if isinstance(expected, str) and isinstance(actual, str):
            return expected.casefold() in actual.casefold(), None
        if isinstance(actual, list | tuple):
            kind = _kind(expected)
            return any(_kind(x) == kind and _same(x, expected, True) for x in actual), None
        return False, _mismatch(got, "a string or a list")
    if op in ("gt", "gte", "lt", "lte", "between"):
        return _order(op, expected, actual)
    if got not in want:
        return False, _mismatch(got, " or ".join(sorted(want)))
    found = any(_same(actual, item, fold) for item in items if _kind(item) == got)
    if op in ("eq", "in"):
        return found, None
    if op in ("ne", "not_in"):
        return not found, None
    return False, f"unknown operator {op!r}"


def _order(op: str, expected: Value, actual: object) -> tuple[bool, str | None]:
    value = _number(actual)
    if value is None:
        return False, _mismatch(_kind(actual), "number")
    bounds = expected if isinstance(expected, tuple) else (expected, expected)
    low, high = _number(bounds[0]), _number(bounds[-1])
    if low is None or high is None:  # only reachable with a hand-built, unvalidated tree
        return False, f"malformed {op} value"
    if op == "between":
        return low <= value <= high, None
    if op == "gt":
        return value > low, None
    if op == "gte":
        return value >= low, None
    if op == "lt":
        return value < low, None
    return value <= low, None


def _number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _same(a: object, b: object, fold: bool) -> bool:
    if fold and isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return a == b


def _mismatch(got: str, want: str) -> str:
    return f"value is a {got}, the rule compares a {want}: false"
