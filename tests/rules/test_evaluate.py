"""``evaluate``: groups, rule order, first match, and what the trace says."""

from __future__ import annotations

import json

from tests.rules.helpers import holds, leaf, rule
from tinko.rules import NotifyMerchantAction, RetryAction, TraceStep, evaluate

FUNDS = leaf("category", "eq", "insufficient_funds")
CARD = leaf("payment_method_type", "eq", "card")
UPI = leaf("payment_method_type", "eq", "upi")
CONTEXT = {"category": "insufficient_funds", "payment_method_type": "card", "amount": 5000}

# -- groups --------------------------------------------------------------------------------


def test_all_is_true_when_every_condition_is() -> None:
    assert holds({"all": [FUNDS, CARD]}, CONTEXT)


def test_all_is_false_when_one_condition_is_false() -> None:
    assert not holds({"all": [FUNDS, UPI]}, CONTEXT)


def test_any_is_true_when_one_condition_is() -> None:
    assert holds({"any": [UPI, CARD]}, CONTEXT)


def test_any_is_false_when_no_condition_is() -> None:
    assert not holds({"any": [UPI, leaf("amount", "gt", 10_000)]}, CONTEXT)


def test_not_inverts_true() -> None:
    assert not holds({"not": CARD}, CONTEXT)


def test_not_inverts_false() -> None:
    assert holds({"not": UPI}, CONTEXT)


def test_nested_groups() -> None:
    assert holds({"all": [FUNDS, {"any": [UPI, {"not": leaf("amount", "lt", 100)}]}]}, CONTEXT)


# -- rule order ----------------------------------------------------------------------------


def test_lower_priority_runs_first_whatever_the_input_order() -> None:
    late = rule(FUNDS, rule_id="late", priority=20)
    early = rule(FUNDS, rule_id="early", priority=10)
    decision = evaluate([late, early], CONTEXT)
    assert decision.matched is early


def test_equal_priorities_are_ordered_by_id() -> None:
    b = rule(FUNDS, rule_id="b", priority=5)
    a = rule(FUNDS, rule_id="a", priority=5)
    assert evaluate([b, a], CONTEXT).matched is a


def test_disabled_rule_is_skipped_even_when_it_would_match() -> None:
    off = rule(FUNDS, rule_id="off", priority=1, enabled=False)
    on = rule(FUNDS, rule_id="on", priority=2)
    assert evaluate([off, on], CONTEXT).matched is on


def test_only_disabled_rules_means_no_match() -> None:
    assert evaluate([rule(FUNDS, enabled=False)], CONTEXT).matched is None


def test_first_match_wins_and_its_actions_are_the_decision() -> None:
    first = rule(FUNDS, rule_id="first", priority=1, actions=(RetryAction(after_minutes=60),))
    second = rule(CARD, rule_id="second", priority=2, actions=(NotifyMerchantAction(),))
    decision = evaluate([second, first], CONTEXT)
    assert decision.actions == (RetryAction(after_minutes=60),)


def test_a_non_matching_rule_falls_through_to_the_next() -> None:
    miss = rule(UPI, rule_id="miss", priority=1)
    hit = rule(CARD, rule_id="hit", priority=2)
    assert evaluate([miss, hit], CONTEXT).matched is hit


def test_no_match_has_no_actions() -> None:
    decision = evaluate([rule(UPI)], CONTEXT)
    assert (decision.matched, decision.actions) == (None, ())


def test_no_rules_is_no_match_and_empty_trace() -> None:
    decision = evaluate([], CONTEXT)
    assert (decision.matched, decision.actions, decision.trace) == (None, (), ())


# -- trace ---------------------------------------------------------------------------------


def test_trace_records_the_leaf_comparison() -> None:
    decision = evaluate([rule({"all": [FUNDS]}, rule_id="r9")], CONTEXT)
    assert decision.trace[0] == TraceStep(
        rule_id="r9",
        path=("all", 0),
        field="category",
        op="eq",
        expected="insufficient_funds",
        actual="insufficient_funds",
        result=True,
    )


def test_trace_ends_each_rule_with_its_verdict() -> None:
    decision = evaluate([rule(UPI, rule_id="a", priority=1), rule(CARD, rule_id="b")], CONTEXT)
    verdicts = [(s.rule_id, s.result) for s in decision.trace if s.op is None]
    assert verdicts == [("a", False), ("b", True)]


def test_trace_stops_after_the_matching_rule() -> None:
    decision = evaluate([rule(FUNDS, rule_id="a", priority=1), rule(CARD, rule_id="b")], CONTEXT)
    assert {step.rule_id for step in decision.trace} == {"a"}


def test_trace_notes_a_disabled_rule() -> None:
    decision = evaluate([rule(FUNDS, enabled=False)], CONTEXT)
    assert decision.trace[0].note == "rule disabled; not evaluated"


def test_trace_shows_missing_field_as_null_and_says_so() -> None:
    step = evaluate([rule(leaf("country", "ne", "IN"))], {}).trace[0]
    assert (step.actual, step.result) == (None, False)
    assert step.note is not None
    assert "missing" in step.note


def test_trace_explains_a_type_mismatch() -> None:
    step = evaluate([rule(leaf("amount", "gt", 1))], {"amount": "9"}).trace[0]
    assert step.note == "value is a string, the rule compares a number: false"


def test_all_short_circuits_and_says_so() -> None:
    decision = evaluate([rule({"all": [UPI, FUNDS, CARD]})], CONTEXT)
    leaves = [step.path for step in decision.trace if step.field is not None]
    group = next(step for step in decision.trace if step.op == "all")
    assert leaves == [("all", 0)]
    assert group.note == "condition 0 is false; 2 later not evaluated (short-circuit)"


def test_any_short_circuits_at_the_first_true() -> None:
    decision = evaluate([rule({"any": [UPI, CARD, FUNDS]})], CONTEXT)
    leaves = [step.path for step in decision.trace if step.field is not None]
    assert leaves == [("any", 0), ("any", 1)]


def test_trace_paths_locate_nodes_inside_not() -> None:
    decision = evaluate([rule({"any": [{"not": UPI}]})], CONTEXT)
    assert [step.path for step in decision.trace] == [("any", 0, "not"), ("any", 0), (), ()]


def test_trace_has_a_step_for_the_not_group() -> None:
    decision = evaluate([rule({"not": UPI})], CONTEXT)
    step = decision.trace[1]
    assert (step.op, step.field, step.result, step.note) == (
        "not",
        None,
        True,
        "inverts false to true",
    )


# -- rendering -----------------------------------------------------------------------------


def test_decision_to_dict_has_the_api_shape() -> None:
    matched = rule(leaf("amount", "between", [1, 9999]), rule_id="r7", version=3)
    rendered = evaluate([matched], CONTEXT).to_dict()
    assert rendered == {
        "matched": {"rule_id": "r7", "version": 3},
        "actions": [{"type": "stop"}],
        "trace": [
            {
                "rule_id": "r7",
                "path": [],
                "field": "amount",
                "op": "between",
                "expected": [1, 9999],
                "actual": 5000,
                "result": True,
                "note": None,
            },
            {
                "rule_id": "r7",
                "path": [],
                "field": None,
                "op": None,
                "expected": None,
                "actual": None,
                "result": True,
                "note": "rule matched: its actions apply and later rules are not evaluated",
            },
        ],
    }


def test_no_match_renders_matched_as_null() -> None:
    rendered = evaluate([rule(UPI)], CONTEXT).to_dict()
    assert json.loads(json.dumps(rendered))["matched"] is None
