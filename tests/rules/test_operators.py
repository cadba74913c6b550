"""Each operator, true and false; case rules; missing fields; values of the wrong type."""

from __future__ import annotations

import pytest

from tests.rules.helpers import holds, leaf

# -- each operator, true and false ---------------------------------------------------------

OPERATOR_CASES = [
    pytest.param("category", "eq", "expired_card", {"category": "expired_card"}, True, id="eq"),
    pytest.param("category", "eq", "expired_card", {"category": "do_not_honor"}, False, id="eq-no"),
    pytest.param("gateway", "ne", "stripe", {"gateway": "razorpay"}, True, id="ne"),
    pytest.param("gateway", "ne", "stripe", {"gateway": "stripe"}, False, id="ne-no"),
    pytest.param("country", "in", ["IN", "US"], {"country": "US"}, True, id="in"),
    pytest.param("country", "in", ["IN", "US"], {"country": "GB"}, False, id="in-no"),
    pytest.param("card_network", "not_in", ["amex"], {"card_network": "visa"}, True, id="not_in"),
    pytest.param("card_network", "not_in", ["amex"], {"card_network": "amex"}, False, id="nin-no"),
    pytest.param("amount", "gt", 100, {"amount": 101}, True, id="gt"),
    pytest.param("amount", "gt", 100, {"amount": 100}, False, id="gt-no"),
    pytest.param("amount", "gte", 100, {"amount": 100}, True, id="gte"),
    pytest.param("amount", "gte", 100, {"amount": 99}, False, id="gte-no"),
    pytest.param("attempt_number", "lt", 3, {"attempt_number": 2}, True, id="lt"),
    pytest.param("attempt_number", "lt", 3, {"attempt_number": 3}, False, id="lt-no"),
    pytest.param("attempt_number", "lte", 3, {"attempt_number": 3}, True, id="lte"),
    pytest.param("attempt_number", "lte", 3, {"attempt_number": 4}, False, id="lte-no"),
    pytest.param("amount", "between", [100, 200], {"amount": 100}, True, id="between-low"),
    pytest.param("amount", "between", [100, 200], {"amount": 200}, True, id="between-high"),
    pytest.param("amount", "between", [100, 200], {"amount": 99}, False, id="between-below"),
    pytest.param("amount", "between", [100, 200], {"amount": 201}, False, id="between-above"),
    pytest.param("gateway", "contains", "pay", {"gateway": "razorpay"}, True, id="contains"),
    pytest.param("gateway", "contains", "pay", {"gateway": "stripe"}, False, id="contains-no"),
    pytest.param("retryable", "eq", True, {"retryable": True}, True, id="bool-eq"),
    pytest.param("retryable", "eq", True, {"retryable": False}, False, id="bool-eq-no"),
    pytest.param("country", "exists", True, {"country": "IN"}, True, id="exists"),
    pytest.param("country", "exists", True, {}, False, id="exists-no"),
    pytest.param("country", "exists", False, {}, True, id="exists-false"),
    pytest.param("country", "exists", False, {"country": "IN"}, False, id="exists-false-no"),
]


@pytest.mark.parametrize(("field", "op", "value", "context", "expected"), OPERATOR_CASES)
def test_operator(
    field: str, op: str, value: object, context: dict[str, object], expected: bool
) -> None:
    assert holds(leaf(field, op, value), context) is expected


def test_number_comparison_mixes_int_and_float() -> None:
    assert holds(leaf("hours_since_failure", "gte", 24), {"hours_since_failure": 24.0})


def test_float_bound_compares_with_int_value() -> None:
    assert holds(leaf("hours_since_failure", "lt", 1.5), {"hours_since_failure": 1})


# -- contains ------------------------------------------------------------------------------


def test_contains_on_a_string_ignores_case() -> None:
    assert holds(leaf("metadata.note", "contains", "vip"), {"metadata": {"note": "A VIP buyer"}})


def test_contains_on_a_list_is_membership() -> None:
    assert holds(leaf("metadata.tags", "contains", "beta"), {"metadata": {"tags": ["a", "beta"]}})


def test_contains_on_a_list_is_not_substring_of_items() -> None:
    assert not holds(leaf("metadata.tags", "contains", "bet"), {"metadata": {"tags": ["beta"]}})


def test_contains_on_a_list_compares_strings_ignoring_case() -> None:
    assert holds(leaf("metadata.tags", "contains", "VIP"), {"metadata": {"tags": ["vip"]}})


def test_contains_on_a_list_does_not_treat_true_as_one() -> None:
    assert not holds(leaf("metadata.ids", "contains", 1), {"metadata": {"ids": [True]}})


def test_contains_on_a_number_is_false() -> None:
    assert not holds(leaf("metadata.code", "contains", "5"), {"metadata": {"code": 51}})


# -- case ----------------------------------------------------------------------------------


def test_eq_on_enum_field_ignores_case() -> None:
    assert holds(leaf("category", "eq", "expired_card"), {"category": "EXPIRED_CARD"})


def test_currency_rule_value_is_upper_cased_and_matches_any_case() -> None:
    assert holds(leaf("currency", "eq", "inr"), {"currency": "Inr"})


def test_in_on_enum_field_ignores_case() -> None:
    assert holds(leaf("payment_method_type", "in", ["upi"]), {"payment_method_type": "UPI"})


def test_ne_on_enum_field_ignores_case() -> None:
    assert not holds(leaf("country", "ne", "IN"), {"country": "in"})


def test_eq_on_customer_attribute_respects_case() -> None:
    assert not holds(leaf("customer.tier", "eq", "gold"), {"customer": {"tier": "Gold"}})


# -- missing fields ------------------------------------------------------------------------

MISSING_CASES = [
    pytest.param("eq", "IN", id="eq"),
    pytest.param("ne", "IN", id="ne"),
    pytest.param("in", ["IN"], id="in"),
    pytest.param("not_in", ["IN"], id="not_in"),
    pytest.param("contains", "I", id="contains"),
]


@pytest.mark.parametrize(("op", "value"), MISSING_CASES)
def test_missing_field_makes_comparison_false(op: str, value: object) -> None:
    assert not holds(leaf("country", op, value), {})


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
def test_missing_number_makes_ordering_false(op: str) -> None:
    assert not holds(leaf("amount", op, 0), {})


def test_missing_field_under_not_is_true() -> None:
    assert holds({"not": leaf("country", "eq", "IN")}, {})


def test_null_value_counts_as_missing() -> None:
    assert not holds(leaf("country", "ne", "IN"), {"country": None})


def test_null_value_does_not_exist() -> None:
    assert not holds(leaf("country", "exists", True), {"country": None})


def test_missing_customer_object_makes_attribute_missing() -> None:
    assert holds(leaf("customer.tier", "exists", False), {})


def test_customer_that_is_not_an_object_makes_attribute_missing() -> None:
    assert not holds(leaf("customer.tier", "ne", "gold"), {"customer": "gold"})


def test_dotted_field_is_not_read_from_a_flat_key() -> None:
    assert not holds(leaf("metadata.plan", "exists", True), {"metadata.plan": "pro"})


# -- values of the wrong type --------------------------------------------------------------


def test_string_amount_does_not_compare_as_number() -> None:
    assert not holds(leaf("amount", "gt", 50), {"amount": "100"})


def test_wrong_type_makes_ne_false() -> None:
    assert not holds(leaf("amount", "ne", 50), {"amount": "100"})


def test_wrong_type_makes_not_in_false() -> None:
    assert not holds(leaf("customer.tier", "not_in", ["gold"]), {"customer": {"tier": 3}})


def test_bool_is_not_a_number_in_context() -> None:
    assert not holds(leaf("amount", "gte", 0), {"amount": True})


def test_number_is_not_a_bool_in_context() -> None:
    assert not holds(leaf("retryable", "eq", True), {"retryable": 1})


def test_wrong_type_still_exists() -> None:
    assert holds(leaf("amount", "exists", True), {"amount": "100"})


def test_in_matches_only_items_of_the_same_kind() -> None:
    assert holds(leaf("metadata.v", "in", ["1", 1]), {"metadata": {"v": 1.0}})


def test_eq_on_list_value_is_false() -> None:
    assert not holds(leaf("metadata.v", "eq", "a"), {"metadata": {"v": ["a"]}})


def test_nan_in_context_never_matches_between() -> None:
    assert not holds(
        leaf("hours_since_failure", "between", [0, 10]), {"hours_since_failure": float("nan")}
    )
