"""Retries and messages follow the customer's clock when it is known (issue #16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

from tests.recovery.facts import card_case
from tinko.notify.zones import country_zone, customer_zone, phone_zone
from tinko.policies.defaults import default_policy
from tinko.policies.windows import zone
from tinko.recovery.planner import CaseFacts, plan_next

FAILED = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)


def _facts(**changes: object) -> CaseFacts:
    return card_case(FAILED, **changes)


def test_the_payday_retry_is_at_nine_in_the_customers_zone() -> None:
    policy = default_policy("insufficient_funds", "card", "America/New_York")
    facts = _facts(timezone="America/Los_Angeles")
    [retry] = list(plan_next(facts, policy, (), None, [], FAILED).steps)
    local = retry.at.astimezone(zone("America/Los_Angeles"))
    assert (local.day, local.time()) == (15, time(9))


def test_without_the_customers_zone_the_merchants_is_used() -> None:
    policy = default_policy("insufficient_funds", "card", "America/New_York")
    [retry] = list(plan_next(_facts(), policy, (), None, [], FAILED).steps)
    assert retry.at.astimezone(zone("America/New_York")).time() == time(9)


def test_messages_wait_for_the_end_of_quiet_hours_in_the_customers_zone() -> None:
    # A hard decline at 02:00 UTC is 07:30 in Kolkata: the link waits until 08:00 there.
    policy = default_policy("lost_stolen_fraud", "card", "UTC")
    at = datetime(2026, 6, 12, 2, 0, tzinfo=UTC)
    facts = _facts(category="lost_stolen_fraud", retryable=False, failed_at=at)
    facts = replace(facts, timezone="Asia/Kolkata")
    [message] = plan_next(facts, policy, (), None, [], at).steps
    assert message.at.astimezone(zone("Asia/Kolkata")).time() == time(8)


def test_the_zone_is_inferred_from_a_phone_numbers_area_code() -> None:
    assert phone_zone("+1 415 555 0134") == "America/Los_Angeles"


def test_a_given_zone_wins_over_the_phone() -> None:
    assert customer_zone("Asia/Tokyo", "+14155550134", "US") == "Asia/Tokyo"


def test_a_country_with_one_zone_gives_it() -> None:
    assert country_zone("JP") == "Asia/Tokyo"


def test_a_country_with_several_zones_prefers_the_merchants() -> None:
    assert country_zone("US", "America/Chicago") == "America/Chicago"


def test_nothing_known_means_the_merchants_zone_is_used() -> None:
    assert customer_zone(None, None, None, "Europe/Paris") is None
