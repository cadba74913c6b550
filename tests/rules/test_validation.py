"""``validate_conditions``: every problem reported, each at its exact location."""

from __future__ import annotations

import pytest

from tests.rules.helpers import condition_errors, leaf, locs
from tinko.rules import (
    AllOf,
    Comparison,
    Not,
    RuleValidationError,
    condition_to_dict,
    validate_conditions,
)

OK = leaf("category", "eq", "expired_card")


def nest_not(levels: int) -> dict[str, object]:
    """``levels`` nested ``not`` groups around one comparison (levels + 1 nodes deep)."""
    node: dict[str, object] = OK
    for _ in range(levels):
        node = {"not": node}
    return node


# -- fields and operators ------------------------------------------------------------------


def test_unknown_field_is_located() -> None:
    errors = condition_errors({"all": [OK, leaf("colour", "eq", "red")]})
    assert errors == [
        {
            "loc": ["conditions", "all", 1, "field"],
            "msg": "unknown field 'colour'; use one of category, decline_type, retryable, "
            "amount, currency, gateway, payment_method_type, country, card_network, "
            "attempt_number, hours_since_failure, customer.<name>, metadata.<key>",
        }
    ]


def test_bad_customer_attribute_name_is_located() -> None:
    errors = condition_errors(leaf("customer.first-name", "exists", True))
    assert locs(errors) == [["conditions", "field"]]


def test_nested_customer_attribute_is_rejected() -> None:
    assert locs(condition_errors(leaf("customer.a.b", "exists", True))) == [["conditions", "field"]]


def test_unknown_operator_is_located_and_lists_the_operators() -> None:
    errors = condition_errors({"all": [OK, leaf("amount", "equals", 1)]})
    assert errors == [
        {
            "loc": ["conditions", "all", 1, "op"],
            "msg": "unknown operator 'equals'; use one of eq, ne, in, not_in, gt, gte, lt, lte, "
            "between, contains, exists",
        }
    ]


def test_operator_that_does_not_fit_the_field_is_located() -> None:
    errors = condition_errors(leaf("category", "gt", "x"))
    assert locs(errors) == [["conditions", "op"]]


def test_missing_value_is_located() -> None:
    errors = condition_errors({"field": "amount", "op": "gt"})
    assert errors == [{"loc": ["conditions", "value"], "msg": "missing 'value'"}]


def test_unknown_key_in_comparison_is_located() -> None:
    errors = condition_errors({**OK, "why": "because"})
    assert locs(errors) == [["conditions", "why"]]


# -- values --------------------------------------------------------------------------------


def test_string_for_a_number_field_is_located() -> None:
    errors = condition_errors({"any": [leaf("amount", "gt", "100")]})
    assert errors == [
        {"loc": ["conditions", "any", 0, "value"], "msg": "expected a number; got '100'"}
    ]


def test_bool_is_not_a_number() -> None:
    assert locs(condition_errors(leaf("amount", "lt", True))) == [["conditions", "value"]]


def test_fraction_for_amount_is_rejected() -> None:
    errors = condition_errors(leaf("amount", "gt", 10.5))
    assert errors[0]["msg"] == "amount is a whole number in minor units; got 10.5"


def test_infinite_number_is_rejected() -> None:
    assert condition_errors(leaf("hours_since_failure", "gt", float("inf")))


def test_non_bool_for_retryable_is_located() -> None:
    assert locs(condition_errors(leaf("retryable", "eq", "yes"))) == [["conditions", "value"]]


def test_unknown_category_is_rejected() -> None:
    assert locs(condition_errors(leaf("category", "eq", "broke"))) == [["conditions", "value"]]


def test_unknown_card_network_is_rejected() -> None:
    assert condition_errors(leaf("card_network", "eq", "maestro"))


def test_currency_must_be_three_letters() -> None:
    assert condition_errors(leaf("currency", "eq", "RUPEE"))


def test_country_must_be_two_letters() -> None:
    assert condition_errors(leaf("country", "eq", "IND"))


def test_in_needs_a_list() -> None:
    assert locs(condition_errors(leaf("country", "in", "IN"))) == [["conditions", "value"]]


def test_in_needs_a_non_empty_list() -> None:
    assert locs(condition_errors(leaf("country", "in", []))) == [["conditions", "value"]]


def test_in_takes_at_most_100_values() -> None:
    assert condition_errors(leaf("amount", "in", list(range(101))))


def test_in_accepts_100_values() -> None:
    validate_conditions(leaf("amount", "in", list(range(100))))


def test_every_bad_list_item_is_located() -> None:
    errors = condition_errors(leaf("country", "in", ["IN", "India", 7]))
    assert locs(errors) == [["conditions", "value", 1], ["conditions", "value", 2]]


def test_between_with_low_above_high_is_located() -> None:
    errors = condition_errors({"all": [OK, leaf("amount", "between", [101, 100])]})
    assert errors == [
        {
            "loc": ["conditions", "all", 1, "value"],
            "msg": "'between' needs low <= high; got [101, 100]",
        }
    ]


def test_between_with_equal_bounds_is_valid() -> None:
    validate_conditions(leaf("amount", "between", [100, 100]))


def test_between_needs_two_values() -> None:
    assert locs(condition_errors(leaf("amount", "between", [1, 2, 3]))) == [["conditions", "value"]]


def test_exists_takes_a_boolean() -> None:
    assert locs(condition_errors(leaf("country", "exists", "yes"))) == [["conditions", "value"]]


def test_contains_rejects_an_empty_string() -> None:
    assert condition_errors(leaf("metadata.note", "contains", ""))


def test_metadata_value_cannot_be_an_object() -> None:
    assert locs(condition_errors(leaf("metadata.k", "eq", {"a": 1}))) == [["conditions", "value"]]


# -- structure -----------------------------------------------------------------------------


def test_depth_eight_is_allowed() -> None:
    validate_conditions(nest_not(7))


def test_depth_over_eight_is_located_at_the_first_node_too_deep() -> None:
    errors = condition_errors(nest_not(8))
    assert errors == [
        {"loc": ["conditions", *["not"] * 8], "msg": "conditions nest deeper than 8 levels"}
    ]


def test_two_hundred_nodes_are_allowed() -> None:
    validate_conditions({"any": [OK] * 199})


def test_too_many_nodes_is_located_at_the_first_node_over() -> None:
    errors = condition_errors({"any": [OK] * 200})
    assert errors == [
        {
            "loc": ["conditions", "any", 199],
            "msg": "too many conditions: at most 200 nodes in total",
        }
    ]


def test_validation_stops_at_the_node_limit() -> None:
    errors = condition_errors({"any": [{"field": "colour"}] * 10_000})
    assert errors[-1]["loc"] == ["conditions", "any", 199]


def test_empty_group_is_rejected() -> None:
    errors = condition_errors({"all": []})
    assert locs(errors) == [["conditions", "all"]]


def test_condition_must_be_an_object() -> None:
    assert locs(condition_errors({"all": [OK, "amount > 5"]})) == [["conditions", "all", 1]]


def test_group_with_two_kinds_is_rejected() -> None:
    assert locs(condition_errors({"all": [OK], "any": [OK]})) == [["conditions"]]


def test_group_with_extra_key_is_located() -> None:
    assert locs(condition_errors({"not": OK, "field": "amount"})) == [["conditions", "field"]]


def test_empty_object_is_rejected() -> None:
    assert locs(condition_errors({})) == [["conditions"]]


def test_all_problems_are_reported_not_just_the_first() -> None:
    errors = condition_errors(
        {"all": [leaf("colour", "eq", 1), OK, leaf("amount", "xx", 1), leaf("amount", "gt", "1")]}
    )
    assert locs(errors) == [
        ["conditions", "all", 0, "field"],
        ["conditions", "all", 2, "op"],
        ["conditions", "all", 3, "value"],
    ]


def test_loc_prefix_is_used() -> None:
    with pytest.raises(RuleValidationError) as caught:
        validate_conditions(leaf("colour", "eq", 1), loc_prefix=("body", "conditions"))
    assert locs(caught.value.errors) == [["body", "conditions", "field"]]


def test_error_message_names_the_location() -> None:
    with pytest.raises(RuleValidationError, match=r"conditions\.all\.0\.op: unknown operator"):
        validate_conditions({"all": [leaf("amount", "equals", 1)]})


# -- the tree ------------------------------------------------------------------------------


def test_valid_conditions_become_an_immutable_tree() -> None:
    tree = validate_conditions({"all": [{"not": leaf("currency", "in", ["inr", "USD"])}]})
    assert tree == AllOf((Not(Comparison("currency", "in", ("INR", "USD"))),))


def test_condition_to_dict_round_trips() -> None:
    raw = {"any": [leaf("amount", "between", [1, 2]), {"not": leaf("retryable", "eq", False)}]}
    assert condition_to_dict(validate_conditions(raw)) == raw
