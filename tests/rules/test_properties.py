"""Properties: valid trees validate and round-trip; evaluation never raises on any context."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tinko.classifier import CATEGORIES
from tinko.rules import (
    CONTEXT_FIELDS,
    Condition,
    Not,
    RuleSpec,
    RuleValidationError,
    StopAction,
    condition_to_dict,
    evaluate,
    validate_conditions,
)
from tinko.rules.fields import CARD_NETWORKS, DECLINE_TYPES, PAYMENT_METHOD_TYPES

Strategy = st.SearchStrategy[Any]
NAMES = st.sampled_from(["tier", "vip", "tags", "plan"]) | st.from_regex(
    r"[A-Za-z0-9_]{1,12}", fullmatch=True
)
TEXT = st.text(min_size=1, max_size=12)
INTS = st.integers(min_value=-(10**12), max_value=10**12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
SCALARS = TEXT | INTS | FLOATS | st.booleans()


def _leaves(field: Strategy, ops: dict[str, Strategy]) -> Strategy:
    return st.one_of(
        *[
            st.builds(lambda f, v, op=op: {"field": f, "op": op, "value": v}, field, value)
            for op, value in ops.items()
        ]
    )


def _enum_ops(value: Strategy) -> dict[str, Strategy]:
    return {
        "eq": value,
        "ne": value,
        "in": st.lists(value, min_size=1, max_size=4),
        "not_in": st.lists(value, min_size=1, max_size=4),
        "contains": TEXT,
        "exists": st.booleans(),
    }


def _number_ops(value: Strategy) -> dict[str, Strategy]:
    pair = st.tuples(value, value).map(lambda p: sorted(p))
    ordering = dict.fromkeys(("eq", "ne", "gt", "gte", "lt", "lte"), value)
    return {**ordering, "in": st.lists(value, min_size=1, max_size=4), "between": pair}


def _any_ops() -> dict[str, Strategy]:
    return {**_number_ops(INTS | FLOATS), **_enum_ops(SCALARS), "contains": SCALARS}


ENUMS: dict[str, Strategy] = {
    "category": st.sampled_from(CATEGORIES),
    "decline_type": st.sampled_from(DECLINE_TYPES),
    "payment_method_type": st.sampled_from(PAYMENT_METHOD_TYPES),
    "card_network": st.sampled_from(CARD_NETWORKS),
    "currency": st.from_regex(r"[A-Za-z]{3}", fullmatch=True),
    "country": st.from_regex(r"[A-Za-z]{2}", fullmatch=True),
    "gateway": st.from_regex(r"[a-z0-9_.-]{1,12}", fullmatch=True),
}
LEAVES = st.one_of(
    *[_leaves(st.just(name), _enum_ops(value)) for name, value in ENUMS.items()],
    _leaves(st.just("retryable"), {"eq": st.booleans(), "ne": st.booleans()}),
    _leaves(st.sampled_from(["amount", "attempt_number"]), _number_ops(INTS)),
    _leaves(st.just("hours_since_failure"), _number_ops(INTS | FLOATS)),
    _leaves(
        st.sampled_from(["customer.", "metadata."]).flatmap(lambda p: NAMES.map(p.__add__)),
        _any_ops(),
    ),
)


def _depth(raw: dict[str, Any]) -> int:
    if "not" in raw:
        return 1 + _depth(raw["not"])
    children = raw.get("all") or raw.get("any") or []
    return 1 + max((_depth(child) for child in children), default=0)


def _size(raw: dict[str, Any]) -> int:
    if "not" in raw:
        return 1 + _size(raw["not"])
    return 1 + sum(_size(child) for child in raw.get("all") or raw.get("any") or [])


TREES = st.recursive(
    LEAVES,
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=4).map(lambda xs: {"all": xs}),
        st.lists(kids, min_size=1, max_size=4).map(lambda xs: {"any": xs}),
        kids.map(lambda x: {"not": x}),
    ),
    max_leaves=30,
).filter(lambda raw: _depth(raw) <= 8 and _size(raw) <= 200)

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON = st.recursive(
    JSON_SCALARS,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(NAMES, kids, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from([*CONTEXT_FIELDS, "customer", "metadata"]) | st.text(max_size=8)
CONTEXTS = st.dictionaries(KEYS, JSON, max_size=12)


def _rule(tree: Condition) -> RuleSpec:
    return RuleSpec("p", 1, "property", 1, True, tree, (StopAction(),))


@given(TREES)
def test_valid_trees_validate_and_round_trip(raw: dict[str, Any]) -> None:
    tree = validate_conditions(raw)
    again = validate_conditions(condition_to_dict(tree))
    assert again == tree
    assert repr(again) == repr(tree)  # also tells True from 1 and 1.0 from 1


@given(TREES, CONTEXTS)
def test_evaluate_never_raises_and_renders_to_json(raw: dict[str, Any], context: Any) -> None:
    decision = evaluate([_rule(validate_conditions(raw))], context)
    json.dumps(decision.to_dict())
    assert decision.trace[-1].result is (decision.matched is not None)


@given(TREES, CONTEXTS)
def test_not_of_a_tree_is_its_negation(raw: dict[str, Any], context: Any) -> None:
    tree = validate_conditions(raw)
    plain = evaluate([_rule(tree)], context).matched is not None
    negated = evaluate([_rule(Not(tree))], context).matched is not None
    assert negated is not plain


@given(JSON)
def test_any_json_either_validates_or_raises_the_validation_error(raw: Any) -> None:
    errors: list[dict[str, object]] | None = None
    try:
        validate_conditions(raw)
    except RuleValidationError as error:
        errors = error.errors
    assert errors is None or len(errors) > 0  # a rejection always says why
