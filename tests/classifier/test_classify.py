"""Behaviour of ``classify``: precedence, network rules, fall-through and alternates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from tinko.classifier import CATEGORIES, DeclineSignal, classify


def stripe(**fields: Any) -> DeclineSignal:
    return DeclineSignal(gateway="stripe", **fields)


# -- precedence ---------------------------------------------------------------------------


def test_decline_code_beats_generic_failure_code() -> None:
    c = classify(stripe(failure_code="card_declined", decline_code="insufficient_funds"))
    assert c.category == "insufficient_funds"
    assert c.source == "stripe_decline_code:insufficient_funds"


def test_decline_code_beats_network_code() -> None:
    c = classify(stripe(decline_code="expired_card", network_decline_code="51"))
    assert c.category == "expired_card"
    assert c.source == "stripe_decline_code:expired_card"


def test_failure_code_beats_network_code() -> None:
    c = classify(stripe(failure_code="incorrect_cvc", network_decline_code="51"))
    assert c.category == "invalid_card_data"
    assert c.source == "stripe_error_code:incorrect_cvc"


def test_network_code_beats_message_text() -> None:
    c = classify(DeclineSignal(network_decline_code="51", failure_message="Card reported stolen"))
    assert c.category == "insufficient_funds"
    assert c.source == "iso8583:51"


def test_network_advice_beats_decline_code_for_timing() -> None:
    c = classify(
        stripe(
            decline_code="insufficient_funds", network_advice_code="25", card_network="mastercard"
        )
    )
    assert c.source == "mastercard_mac:25"
    assert c.category == "insufficient_funds"
    assert c.cooldown_seconds == 24 * 3600
    assert c.merchant_advice_code == "25"


# -- Mastercard Merchant Advice Codes -------------------------------------------------------


@pytest.mark.parametrize("mac", ["03", "21"])
def test_mac_03_and_21_are_never_retryable_even_with_a_soft_decline_code(mac: str) -> None:
    c = classify(stripe(decline_code="insufficient_funds", network_advice_code=mac))
    assert c.decline_type == "hard"
    assert c.retryable is False
    assert c.cooldown_seconds == 0
    assert c.recommended_action in {"do_not_retry", "set_up_new_mandate"}


def test_mac_03_keeps_the_specific_category() -> None:
    c = classify(stripe(decline_code="insufficient_funds", network_advice_code="03"))
    assert c.category == "insufficient_funds"
    assert c.recommended_action == "do_not_retry"


def test_mac_21_names_the_cancelled_agreement() -> None:
    c = classify(stripe(decline_code="do_not_honor", network_advice_code="21"))
    assert c.category == "mandate_revoked"
    assert c.source == "mastercard_mac:21"


def test_mac_01_asks_for_updated_card_details() -> None:
    c = classify(stripe(decline_code="insufficient_funds", network_advice_code="01"))
    assert c.decline_type == "hard"
    assert c.recommended_action == "update_card_details"


def test_mac_02_retries_after_72_hours() -> None:
    c = classify(stripe(decline_code="do_not_honor", network_advice_code="02"))
    assert c.retryable is True
    assert c.recommended_action == "retry_later"
    assert c.cooldown_seconds == 72 * 3600


@pytest.mark.parametrize(
    ("mac", "hours"),
    [("24", 1), ("25", 24), ("26", 48), ("27", 96), ("28", 144), ("29", 192), ("30", 240)],
)
def test_mac_24_to_30_set_the_issuers_delay(mac: str, hours: int) -> None:
    c = classify(DeclineSignal(network_decline_code="51", network_advice_code=mac))
    assert c.retryable is True
    assert c.cooldown_seconds == hours * 3600


def test_mac_names_the_category_when_the_code_is_generic() -> None:
    c = classify(stripe(failure_code="card_declined", network_advice_code="26"))
    assert c.category == "insufficient_funds"
    assert c.cooldown_seconds == 2 * 86400


def test_mac_alone_still_classifies() -> None:
    c = classify(DeclineSignal(network_advice_code="3"))  # single digit is MAC 03
    assert c.decline_type == "hard"
    assert c.merchant_advice_code == "03"


def test_retry_later_advice_does_not_soften_a_hard_decline() -> None:
    c = classify(stripe(decline_code="stolen_card", network_advice_code="02"))
    assert c.category == "lost_stolen_fraud"
    assert c.retryable is False


def test_informational_mac_does_not_change_the_decision() -> None:
    plain = classify(stripe(decline_code="insufficient_funds"))
    with_mac = classify(stripe(decline_code="insufficient_funds", network_advice_code="43"))
    assert (with_mac.category, with_mac.retryable, with_mac.source) == (
        plain.category,
        plain.retryable,
        plain.source,
    )


# -- Visa categories ------------------------------------------------------------------------


def test_visa_category_1_is_never_retryable() -> None:
    # The PSP's own code is soft; the raw Visa code 57 is category 1.
    c = classify(
        stripe(decline_code="do_not_honor", network_decline_code="57", card_network="visa")
    )
    assert c.visa_category == 1
    assert c.retryable is False
    assert c.decline_type == "hard"
    assert c.cooldown_seconds == 0


def test_visa_category_only_for_visa_cards() -> None:
    c = classify(
        stripe(decline_code="do_not_honor", network_decline_code="57", card_network="mastercard")
    )
    assert c.visa_category is None
    assert c.retryable is True


def test_visa_code_03_moved_from_category_1_to_2_on_2021_04_17() -> None:
    before = classify(
        DeclineSignal(network_decline_code="03", card_network="visa", on=date(2021, 4, 16))
    )
    after = classify(
        DeclineSignal(network_decline_code="03", card_network="visa", on=date(2021, 4, 17))
    )
    assert (before.visa_category, before.retryable) == (1, False)
    assert (after.visa_category, after.retryable) == (2, True)


def test_visa_code_57_is_generic_until_2026_10_25_then_category_1() -> None:
    signal = DeclineSignal(network_decline_code="57", card_network="VISA")
    assert classify(replace(signal, on=date(2026, 1, 1))).visa_category == 4
    assert classify(replace(signal, on=date(2026, 10, 25))).visa_category == 1


def test_visa_5c_is_category_2_from_2025_04_11() -> None:
    old = classify(
        DeclineSignal(network_decline_code="5C", card_network="visa", on=date(2025, 4, 10))
    )
    new = classify(
        DeclineSignal(network_decline_code="5c", card_network="visa", on=date(2025, 4, 11))
    )
    assert old.visa_category == 4
    assert new.visa_category == 2


def test_visa_latest_table_when_no_date_given() -> None:
    c = classify(DeclineSignal(network_decline_code="57", card_network="visa"))
    assert c.visa_category == 1


def test_no_visa_category_before_the_rules_existed() -> None:
    c = classify(DeclineSignal(network_decline_code="04", card_network="visa", on=date(2019, 1, 1)))
    assert c.visa_category is None
    assert c.retryable is False  # still a pick-up card


# -- generic fall-through and unknown input ----------------------------------------------


def test_generic_failure_code_falls_through_to_network_code() -> None:
    c = classify(stripe(failure_code="card_declined", network_decline_code="51"))
    assert c.category == "insufficient_funds"
    assert c.source == "iso8583:51"


def test_generic_razorpay_class_falls_through_to_message() -> None:
    c = classify(
        DeclineSignal(
            gateway="razorpay",
            failure_code="BAD_REQUEST_ERROR",
            failure_message="Payment failed due to insufficient balance in account",
        )
    )
    assert c.category == "insufficient_funds"
    assert c.source == "message:insufficient"


def test_generic_code_decides_when_nothing_else_matches() -> None:
    generic = classify(stripe(failure_code="card_declined"))
    specific = classify(stripe(decline_code="do_not_honor"))
    assert generic.category == "do_not_honor"
    assert generic.source == "stripe_error_code:card_declined"
    assert generic.confidence < specific.confidence


def test_unknown_code_is_unknown_with_low_confidence() -> None:
    c = classify(stripe(decline_code="flux_capacitor_overload"))
    assert c.category == "unknown"
    assert c.decline_type == "soft"
    assert c.retryable is True
    assert c.confidence <= 0.3
    assert c.cooldown_seconds >= 24 * 3600
    assert c.source == "default:unknown"


def test_empty_signal_is_unknown() -> None:
    c = classify(DeclineSignal())
    assert c.category == "unknown"
    assert c.confidence <= 0.3


# -- matching rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "source"),
    [
        (stripe(decline_code="  INSUFFICIENT_FUNDS \n"), "stripe_decline_code:insufficient_funds"),
        (stripe(decline_code="Insufficient Funds"), "stripe_decline_code:insufficient_funds"),
        (DeclineSignal(network_decline_code="n7"), "iso8583:N7"),
        (DeclineSignal(decline_code=" za ", payment_method_type="UPI"), "npci_upi:ZA"),
        (
            DeclineSignal(gateway="RazorPay", decline_code="Payment_Risk_Check_Failed"),
            "razorpay_error:payment_risk_check_failed",
        ),
    ],
)
def test_codes_match_case_insensitively_and_trimmed(signal: DeclineSignal, source: str) -> None:
    assert classify(signal).source == source


def test_single_digit_network_code_is_zero_padded() -> None:
    assert classify(DeclineSignal(network_decline_code="5")).source == "iso8583:05"


def test_numeric_code_values_are_accepted() -> None:
    c = classify(DeclineSignal(network_decline_code=cast(str, 51)))
    assert c.category == "insufficient_funds"


def test_a_datetime_counts_as_its_day() -> None:
    on = datetime(2021, 4, 16, 23, 59, tzinfo=UTC)
    c = classify(DeclineSignal(network_decline_code="03", card_network="visa", on=on))
    assert c.visa_category == 1


def test_odd_field_values_do_not_raise() -> None:
    odd = cast(str, ["51"])  # a list is unhashable: the cache is skipped
    c = classify(DeclineSignal(decline_code=odd, failure_message=cast(str, 404)))
    assert c.category in CATEGORIES


def test_stripe_code_under_another_gateway_matches_with_less_confidence() -> None:
    own = classify(stripe(decline_code="lost_card"))
    other = classify(DeclineSignal(gateway="other", decline_code="lost_card"))
    assert other.category == own.category == "lost_stolen_fraud"
    assert other.confidence < own.confidence


def test_gateway_table_wins_over_another_gateways_meaning() -> None:
    # Both PSPs document "insufficient_funds"; each gateway reads its own row.
    assert classify(stripe(decline_code="insufficient_funds")).source.startswith("stripe_")
    rzp = classify(DeclineSignal(gateway="razorpay", decline_code="insufficient_funds"))
    assert rzp.source == "razorpay_error:insufficient_funds"


def test_mastercard_65_is_a_request_for_authentication() -> None:
    mc = classify(DeclineSignal(network_decline_code="65", card_network="mastercard"))
    visa = classify(DeclineSignal(network_decline_code="65", card_network="visa"))
    assert mc.category == "authentication_required"
    assert visa.category == "limit_exceeded"


def test_upi_payments_read_npci_codes_first() -> None:
    upi = classify(DeclineSignal(network_decline_code="Z5", payment_method_type="upi"))
    card = classify(DeclineSignal(network_decline_code="Z5", payment_method_type="card"))
    assert upi.source == "npci_upi:Z5"
    assert card.source == "iso8583:Z5"


def test_method_specific_row() -> None:
    upi = classify(
        DeclineSignal(
            gateway="razorpay", decline_code="payment_timed_out", payment_method_type="upi"
        )
    )
    card = classify(
        DeclineSignal(
            gateway="razorpay", decline_code="payment_timed_out", payment_method_type="card"
        )
    )
    assert upi.category == "upi_pending_timeout"
    assert card.category == "processing_error"


def test_upi_collect_request_expiry() -> None:
    c = classify(DeclineSignal(decline_code="U69", payment_method_type="upi"))
    assert c.category == "upi_pending_timeout"
    assert c.recommended_action == "wait_for_upi_resolution"


# -- message fallback -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "category", "source"),
    [
        ("Your card has insufficient funds.", "insufficient_funds", "message:insufficient"),
        ("Your card has expired.", "expired_card", "message:expired"),
        ("Your card's security code is incorrect.", "invalid_card_data", "message:invalid_details"),
        (
            "Authentication failed due to incorrect otp",
            "authentication_required",
            "message:authentication",
        ),
        (
            "The customer's UPI AutoPay mandate was revoked",
            "mandate_revoked",
            "message:mandate_revoked",
        ),
        ("Issuer is unavailable, please retry", "issuer_unavailable", "message:issuer_unavailable"),
    ],
)
def test_message_fallback(message: str, category: str, source: str) -> None:
    c = classify(DeclineSignal(gateway="other", failure_code="E1234", failure_message=message))
    assert (c.category, c.source) == (category, source)
    assert c.confidence <= 0.5


# -- alternates ---------------------------------------------------------------------------------


def test_indian_card_declined_for_funds_suggests_upi_and_netbanking() -> None:
    c = classify(
        stripe(decline_code="insufficient_funds", payment_method_type="card", country="IN")
    )
    assert c.alternate_methods == ("upi", "netbanking")


def test_razorpay_counts_as_india() -> None:
    c = classify(
        DeclineSignal(gateway="razorpay", decline_code="insufficient_funds", card_network="visa")
    )
    assert c.alternate_methods == ("upi", "netbanking")


def test_rupay_card_counts_as_india() -> None:
    c = classify(DeclineSignal(network_decline_code="51", card_network="RuPay"))
    assert c.alternate_methods == ("upi", "netbanking")


def test_upi_failure_suggests_card_and_netbanking() -> None:
    c = classify(DeclineSignal(decline_code="Z9", payment_method_type="upi", country="IN"))
    assert c.alternate_methods == ("card", "netbanking")


def test_expired_card_suggests_a_new_card_and_in_india_upi() -> None:
    abroad = classify(stripe(decline_code="expired_card", country="US"))
    india = classify(stripe(decline_code="expired_card", country="in"))
    assert abroad.alternate_methods == ("card",)
    assert india.alternate_methods == ("card", "upi")


def test_hard_decline_outside_india_suggests_another_method() -> None:
    c = classify(stripe(decline_code="stolen_card", country="GB"))
    assert "card" in c.alternate_methods
    assert len(c.alternate_methods) >= 1


# -- output shape and PSP labels -----------------------------------------------------------


def test_to_dict_has_the_api_shape() -> None:
    d = classify(stripe(decline_code="insufficient_funds", country="IN")).to_dict()
    api_fields = {
        "category",
        "decline_type",
        "retryable",
        "confidence",
        "recommended_action",
        "cooldown_seconds",
        "alternate_methods",
        "reason",
        "source",
    }
    assert api_fields <= set(d)
    assert d["alternate_methods"] == ["upi", "netbanking"]
    assert d["category"] in CATEGORIES


SOFT = [
    "insufficient_funds",
    "do_not_honor",
    "generic_decline",
    "try_again_later",
    "processing_error",
    "issuer_not_available",
    "approve_with_id",
    "card_velocity_exceeded",
    "withdrawal_count_limit_exceeded",
    "authentication_required",
    "reenter_transaction",
]
HARD = [
    "lost_card",
    "stolen_card",
    "pickup_card",
    "expired_card",
    "incorrect_number",
    "invalid_account",
    "fraudulent",
    "restricted_card",
    "security_violation",
    "revocation_of_all_authorizations",
    "revocation_of_authorization",
    "stop_payment_order",
    "transaction_not_allowed",
    "do_not_try_again",
    "card_not_supported",
]


@pytest.mark.parametrize("code", SOFT)
def test_stripe_soft_declines_are_retryable(code: str) -> None:
    c = classify(stripe(decline_code=code))
    assert (c.decline_type, c.retryable) == ("soft", True)


@pytest.mark.parametrize("code", HARD)
def test_stripe_hard_declines_are_not_retryable(code: str) -> None:
    c = classify(stripe(decline_code=code))
    assert (c.decline_type, c.retryable) == ("hard", False)
