"""The guard on bank debits: NACHA lets a returned ACH debit be presented three times in all
(the original and two reinitiations) within 180 days; SEPA debits have no scheme cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tinko.recovery.guard import PastAttempt, ProposedAttempt, check_attempt

DAY = timedelta(days=1)
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def propose(method: str, initiator: str = "merchant") -> ProposedAttempt:
    return ProposedAttempt(
        at=NOW,
        initiator="merchant" if initiator == "merchant" else "customer",
        card_network=None,
        payment_method_type=method,
        last_decline_visa_category=None,
        last_decline_merchant_advice_code=None,
        last_decline_at=NOW - DAY,
    )


def returned(*days_ago: int) -> list[PastAttempt]:
    return [PastAttempt(NOW - d * DAY, "merchant", False) for d in days_ago]


def test_a_second_reinitiation_of_an_ach_debit_is_allowed() -> None:
    assert check_attempt(propose("ach_debit"), returned(20, 10)).allowed


def test_a_third_reinitiation_of_an_ach_debit_is_refused() -> None:
    decision = check_attempt(propose("ach_debit"), returned(170, 100, 10))
    assert (decision.allowed, decision.rule) == (False, "ach_debit.cycle_cap")


def test_the_ach_cap_lifts_180_days_after_the_first_presentation() -> None:
    decision = check_attempt(propose("ach_debit"), returned(170, 100, 10))
    assert decision.earliest_at == NOW - 170 * DAY + 180 * DAY


@pytest.mark.parametrize("method", ["us_bank_account", "netbanking"])
def test_stripes_us_bank_debits_get_the_ach_cap_whatever_they_are_called(method: str) -> None:
    assert not check_attempt(propose(method), returned(30, 20, 10)).allowed


def test_sepa_debits_have_no_scheme_cap() -> None:
    assert check_attempt(propose("sepa_debit"), returned(30, 20, 10, 5, 2)).allowed


def test_a_customer_paying_by_link_is_not_held_by_the_ach_cap() -> None:
    assert check_attempt(propose("ach_debit", "customer"), returned(30, 20, 10)).allowed
