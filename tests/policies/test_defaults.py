"""The built-in policies per decline category, and the checks on their data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tinko.classifier import CATEGORIES
from tinko.policies.defaults import (
    DefaultsError,
    default_policy,
    general_default,
    load_defaults,
    read_defaults,
)
from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK

HARD = (
    "lost_stolen_fraud",
    "account_closed",
    "not_permitted",
    "suspected_fraud",
    "mandate_revoked",
)
CUSTOMER_ACTION = ("authentication_required", "expired_card", "invalid_card_data")
TRANSIENT = ("issuer_unavailable", "processing_error")
ISSUER_HOLD = ("do_not_honor", "upi_pending_timeout")
FUNDS = ("insufficient_funds", "limit_exceeded")
DATA = Path(__file__).parents[2] / "src/tinko/policies/data/default_policies.yaml"


def test_every_category_has_a_default() -> None:
    assert set(load_defaults().categories) == set(CATEGORIES)


@pytest.mark.parametrize("category", HARD)
def test_hard_declines_are_never_retried_silently(category: str) -> None:
    spec = default_policy(category, "card", "UTC")
    assert (spec.strategy, spec.silent_retries, spec.max_attempts) == ("customer_only", False, 0)
    assert spec.link_after_attempt == 0  # the link offers another method at once


@pytest.mark.parametrize("category", CUSTOMER_ACTION)
def test_customer_action_declines_message_at_once(category: str) -> None:
    spec = default_policy(category, "card", "UTC")
    assert (spec.strategy, spec.silent_retries) == ("customer_only", False)
    assert (spec.initial_delay_minutes, spec.link_after_attempt) == (0, 0)


@pytest.mark.parametrize("category", FUNDS)
def test_funds_declines_retry_around_paydays(category: str) -> None:
    spec = default_policy(category, "card", "UTC")
    assert (spec.strategy, spec.silent_retries) == ("payday", True)
    assert spec.max_attempts == 4  # Stripe's default count
    assert spec.window_days >= 27  # reaches next month's payday (Recurly: at least 27 days)
    assert spec.link_after_attempt is not None
    assert 0 < spec.link_after_attempt < spec.max_attempts  # retries first, then the link
    assert spec.paydays == "auto"  # the customer's pay calendar (policies.paydays)


@pytest.mark.parametrize("category", TRANSIENT)
def test_transient_declines_back_off_from_hours_to_days(category: str) -> None:
    spec = default_policy(category, "card", "UTC")
    assert spec.strategy == "backoff"
    assert (spec.initial_delay_minutes, spec.backoff_multiplier, spec.max_delay_minutes) == (
        480,
        4.0,
        2880,
    )
    assert spec.max_attempts == 4


@pytest.mark.parametrize("category", ISSUER_HOLD)
def test_issuer_holds_are_retried_days_apart_not_hours(category: str) -> None:
    spec = default_policy(category, "card", "UTC")
    assert (spec.strategy, spec.silent_retries) == ("backoff", True)
    assert spec.initial_delay_minutes >= 24 * 60  # a hold clears over days (Recurly: 2-12)
    assert spec.max_delay_minutes >= 7 * 24 * 60
    assert spec.link_after_attempt is not None
    assert 0 < spec.link_after_attempt < spec.max_attempts  # retry first, then ask


def test_a_pending_upi_debit_waits_a_day_before_it_is_debited_again() -> None:
    spec = default_policy("upi_pending_timeout", "upi", "Asia/Kolkata")
    assert spec.silent_retries
    assert spec.initial_delay_minutes >= 24 * 60  # Razorpay: posting can take 24-36 h
    assert spec.windows == UPI_AUTOPAY_NON_PEAK


@pytest.mark.parametrize("category", [*CUSTOMER_ACTION, *HARD, *FUNDS])
def test_messages_go_by_sms_before_email(category: str) -> None:
    # An SMS is read far more often than a dunning email.
    channels = default_policy(category, "card", "UTC").channels
    assert channels.index("sms") < channels.index("email")


def test_unknown_declines_retry_days_apart_over_the_window() -> None:
    spec = default_policy("unknown", None, "UTC")
    hold = default_policy("do_not_honor", None, "UTC")
    assert (spec.strategy, spec.max_attempts) == ("backoff", 4)
    assert (spec.initial_delay_minutes, spec.backoff_multiplier) == (
        hold.initial_delay_minutes,
        hold.backoff_multiplier,
    )


def test_duplicates_are_left_alone() -> None:
    spec = default_policy("duplicate", "card", "UTC")
    assert (spec.silent_retries, spec.link_after_attempt) == (False, None)


def test_an_unrecognised_category_gets_the_unknown_default() -> None:
    assert default_policy("novel", None, "UTC") == default_policy("unknown", None, "UTC")


def test_windows_are_in_the_orgs_time_zone() -> None:
    assert default_policy("do_not_honor", "card", "America/New_York").windows.timezone == (
        "America/New_York"
    )


@pytest.mark.parametrize("method", ["upi", "emandate"])
def test_mandate_debits_retry_only_in_npci_non_peak_hours(method: str) -> None:
    spec = default_policy("insufficient_funds", method, "Europe/London")
    assert spec.windows == UPI_AUTOPAY_NON_PEAK
    assert spec.max_attempts == 3  # the failed debit plus 3 retries: NPCI's 1 + 3 per cycle
    assert spec.link_after_attempt is not None
    assert spec.link_after_attempt <= spec.max_attempts


def test_mandate_windows_do_not_apply_to_outreach_only_categories() -> None:
    spec = default_policy("mandate_revoked", "upi", "UTC")
    assert spec.windows.timezone == "UTC"


def test_policies_never_retry_more_than_the_link_waits_for() -> None:
    for category in CATEGORIES:
        for method in (None, "card", "upi", "emandate"):
            spec = default_policy(category, method, "UTC")
            link = spec.link_after_attempt
            assert link is None or link <= spec.max_attempts, (category, method)


def test_the_general_default_is_four_retries_within_four_weeks() -> None:
    spec = general_default("Asia/Kolkata")
    assert (spec.id, spec.max_attempts, spec.window_days) == (None, 4, 28)
    assert spec.windows.timezone == "Asia/Kolkata"


def test_the_data_file_cites_its_sources_and_date() -> None:
    text = DATA.read_text()
    meta = yaml.safe_load(text)["meta"]
    assert str(meta["retrieved"]) == "2026-11-22"
    assert all(url.startswith("https://") for url in meta["sources"])
    assert all(url in text.split("\nmeta:")[0] for url in meta["sources"])  # cited in the header


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "default_policies.yaml"
    path.write_text(text)
    return path


def test_a_missing_category_is_refused(tmp_path: Path) -> None:
    text = DATA.read_text().replace("  limit_exceeded: {profile: payday", "  # ")
    with pytest.raises(DefaultsError, match="missing limit_exceeded"):
        read_defaults(_write(tmp_path, text))


def test_silent_retries_on_a_customer_only_entry_are_refused(tmp_path: Path) -> None:
    text = DATA.read_text().replace(
        "expired_card: {profile: customer_action,",
        "expired_card: {profile: customer_action, silent_retries: true,",
    )
    with pytest.raises(DefaultsError, match=r"categories\.expired_card"):
        read_defaults(_write(tmp_path, text))


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    text = DATA.read_text().replace(
        "unknown: {profile: issuer_hold,", "unknown: {colour: red, profile: issuer_hold,"
    )
    with pytest.raises(DefaultsError, match=r"categories\.unknown\.colour: unknown field"):
        read_defaults(_write(tmp_path, text))
