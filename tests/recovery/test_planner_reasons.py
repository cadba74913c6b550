"""The planner's reasons: each step and each stop says who decided it and what moved it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.recovery.test_planner import PAYDAY, _facts
from tinko.policies.defaults import default_policy
from tinko.recovery.guard.types import PastAttempt
from tinko.recovery.planner import plan_next
from tinko.rules import StopAction
from tinko.rules.engine import RuleSpec

NOW = PAYDAY - timedelta(days=1)


def test_a_retry_moved_by_a_network_cap_names_the_rule() -> None:
    # Twenty merchant declines in the last 30 days: Visa's cap holds the card until the oldest
    # leaves the window, a day after the payday the policy wanted.
    oldest = PAYDAY - timedelta(days=29)
    history = [
        PastAttempt(at=oldest + timedelta(minutes=n), initiator="merchant", approved=False)
        for n in range(20)
    ]
    facts = _facts()
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    [retry, *_] = plan_next(facts, policy, (), None, history, NOW).steps
    assert retry.why is not None
    assert retry.why["code"] == "shifted_by_network_rule"
    assert (retry.why["params"]["network"], retry.why["params"]["rule"]) == ("visa", "visa.cap_30d")
    assert retry.at >= oldest + timedelta(days=30)


def test_a_retry_the_network_never_allows_closes_the_case_naming_the_rule() -> None:
    facts = _facts(visa_category=1, reachable_channels=())
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    history = [
        PastAttempt(at=facts.failed_at, initiator="merchant", approved=False, visa_category=1)
    ]
    plan = plan_next(facts, policy, (), None, history, NOW)
    assert plan.stop_why is not None
    assert plan.stop_why["code"] == "blocked_by_network_rule"
    assert plan.stop_why["params"]["network"] == "visa"


def test_a_stop_rule_closes_the_case_naming_the_rule_and_its_version() -> None:
    rule = RuleSpec(
        id="rul_1",
        version=3,
        name="Stop big tickets",
        priority=1,
        enabled=True,
        conditions={"all": []},  # type: ignore[arg-type]
        actions=(StopAction(),),
    )
    facts = _facts()
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    plan = plan_next(facts, policy, (StopAction(),), "rule:rul_1@3", [], NOW, rule=rule)
    assert plan.stop_why is not None
    assert plan.stop_why["code"] == "stopped_by_rule"
    assert (plan.stop_why["params"]["rule_id"], plan.stop_why["params"]["rule_version"]) == (
        "rul_1",
        3,
    )


def test_a_built_in_policy_is_named_without_a_version() -> None:
    facts = replace(_facts(), messages_sent=0)
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    [retry, *_] = plan_next(facts, policy, (), None, [], NOW).steps
    assert retry.why is not None
    assert (retry.why["params"]["policy_id"], retry.why["params"]["policy_version"]) == (None, None)
    assert retry.why["params"]["policy_name"] == policy.name
