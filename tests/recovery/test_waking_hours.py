"""Messages land in the customer's waking hours in every zone they may be in (decision 0019)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from tests.recovery.facts import card_case
from tinko.notify.zones import possible_zones
from tinko.policies.defaults import default_policy
from tinko.policies.windows import zone
from tinko.reasons.codes import ReasonCode
from tinko.recovery.decide import PaymentView, case_facts
from tinko.recovery.planner import CaseFacts, plan_next

# 12:00 UTC in June: 08:00 in New York, 05:00 in Los Angeles.
FAILED = datetime(2026, 6, 12, 12, 0, tzinfo=UTC)
US = ("America/Los_Angeles", "America/New_York")


def _facts(**changes: object) -> CaseFacts:
    return card_case(
        FAILED, **{"category": "expired_card", "timezone": "America/New_York", **changes}
    )


def _message_at(facts: CaseFacts) -> datetime:
    policy = default_policy("expired_card", "card", "America/New_York")
    [message] = plan_next(facts, policy, (), None, [], FAILED).steps
    return message.at


def test_a_guessed_zone_alone_sends_at_the_end_of_its_quiet_hours() -> None:
    assert _message_at(_facts()) == FAILED


def test_a_link_waits_for_the_morning_in_the_westernmost_possible_zone() -> None:
    at = _message_at(_facts(message_zones=US))
    assert at.astimezone(zone("America/Los_Angeles")).time() == time(8)


def test_the_shift_names_the_zone_whose_night_it_avoided() -> None:
    policy = default_policy("expired_card", "card", "America/New_York")
    facts = _facts(message_zones=US)
    [message] = plan_next(facts, policy, (), None, [], FAILED).steps
    assert message.why is not None
    assert message.why["code"] == ReasonCode.SHIFTED_QUIET_HOURS
    assert message.why["params"]["timezone"] == "America/Los_Angeles"


def test_zones_with_no_common_waking_hour_fall_back_to_the_guess() -> None:
    # London, Shanghai and Los Angeles: 08:00-21:00 is never waking time in all three.
    spread = ("America/Los_Angeles", "Asia/Shanghai", "Europe/London")
    facts = _facts(timezone="Europe/London", message_zones=spread)
    assert _message_at(facts) == FAILED


def test_a_country_with_several_zones_lists_one_per_metazone() -> None:
    zones = possible_zones(None, None, "US")
    assert {"America/Detroit", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)
    assert "America/New_York" not in zones  # Eastern is there once, as Detroit


def test_a_given_zone_is_the_only_possible_one() -> None:
    assert possible_zones("Asia/Tokyo", "+14155550134", "US") == ("Asia/Tokyo",)


def test_a_phone_prefix_with_one_zone_narrows_the_country() -> None:
    assert possible_zones(None, "+1 415 555 0134", "US") == ("America/Los_Angeles",)


def _payment(customer_timezone: str | None) -> PaymentView:
    return PaymentView(
        category="expired_card",
        decline_type="soft",
        classification={"retryable": True},
        amount_minor=4900,
        currency="USD",
        gateway="stripe",
        payment_method_type="card",
        payment_method_ref="pm_1",
        card_network="visa",
        country="US",
        customer_ref="cus_1",
        customer_email="a@example.com",
        customer_locale=None,
        metadata={},
        failed_at=FAILED,
        expires_at=FAILED + timedelta(days=28),
        reachable_channels=("email",),
        customer_timezone=customer_timezone,
        message_zones=US,
    )


def test_without_the_customers_clock_the_possible_zones_are_ignored() -> None:
    # use_customer_timezone: false leaves customer_timezone empty: the org's zone alone.
    assert case_facts(_payment(None), [], FAILED).message_zones == ()


def test_with_the_customers_clock_the_possible_zones_reach_the_planner() -> None:
    assert case_facts(_payment("America/New_York"), [], FAILED).message_zones == US
