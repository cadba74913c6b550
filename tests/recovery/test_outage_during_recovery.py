"""An issuer outage or processing error met by a retry delays the next try without using up
the case's budget, and the case keeps the category it started with (issue #16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tinko.policies.defaults import default_policy
from tinko.recovery.decide import AttemptView, PaymentView, case_facts, decide
from tinko.recovery.guard.types import PastAttempt
from tinko.recovery.transient import FREE_TRANSIENT_RETRIES, keeps_category, transient_wait

FAILED = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)
PAYDAY = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def _payment(category: str = "insufficient_funds") -> PaymentView:
    return PaymentView(
        category=category,
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
    )


def _outage_retry(at: datetime) -> AttemptView:
    return AttemptView("psp_retry", "done", "declined", at, "issuer_unavailable")


def test_an_outage_met_by_a_retry_does_not_use_up_a_retry() -> None:
    facts = case_facts(_payment(), [_outage_retry(PAYDAY)], PAYDAY)
    assert facts.retries_done == 0


def test_a_real_decline_still_uses_up_a_retry() -> None:
    declined = AttemptView("psp_retry", "done", "declined", PAYDAY, "insufficient_funds")
    assert case_facts(_payment(), [declined], PAYDAY).retries_done == 1


def test_after_an_outage_the_next_try_comes_after_the_backoff() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    plan, _ = decide(_payment(), [_outage_retry(PAYDAY)], policy, [], list, PAYDAY)
    [retry] = [s for s in plan.steps if s.kind == "psp_retry"]
    assert retry.at == PAYDAY + transient_wait(1)


def test_the_outage_backoff_reaches_days() -> None:
    # Outages can last days: the third wait alone spans more than a day.
    assert transient_wait(3) >= timedelta(hours=24) > transient_wait(1)


def test_the_first_try_after_an_outage_waits_half_a_day() -> None:
    # A retry hours after an outage decline mostly meets the same outage (session 8).
    assert transient_wait(1) >= timedelta(hours=12)


def test_outages_beyond_the_free_allowance_use_up_retries() -> None:
    outages = [_outage_retry(PAYDAY + timedelta(hours=h)) for h in range(5)]
    facts = case_facts(_payment(), outages, PAYDAY + timedelta(hours=5))
    assert facts.retries_done == len(outages) - FREE_TRANSIENT_RETRIES


def test_a_case_keeps_its_category_when_a_retry_meets_an_outage() -> None:
    assert keeps_category("insufficient_funds", "issuer_unavailable")


def test_an_outage_case_is_reclassified_by_a_real_decline() -> None:
    assert not keeps_category("issuer_unavailable", "insufficient_funds")


def test_the_retry_after_an_outage_says_why() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    plan, _ = decide(_payment(), [_outage_retry(PAYDAY)], policy, [], list, PAYDAY)
    [retry] = [s for s in plan.steps if s.kind == "psp_retry"]
    assert retry.why is not None
    assert retry.why["code"] == "planned_after_outage"


def _mastercard_advised(code: str) -> PaymentView:
    payment = _payment()
    return replace(
        payment,
        card_network="mastercard",
        classification={"retryable": True, "merchant_advice_code": code},
    )


def test_an_advised_delay_runs_from_the_decline_that_gave_it_not_from_an_outage() -> None:
    # MAC 30: no retry within 10 days of the decline (network_rules.yaml). The case's first
    # retry, 11 days after the failure, meets an outage; the next try needs no new 10 days.
    met = FAILED + timedelta(days=11)
    policy = default_policy("insufficient_funds", "card", "UTC")
    history = [PastAttempt(FAILED, "merchant", False, None, "30")]
    payment = _mastercard_advised("30")
    plan, _ = decide(payment, [_outage_retry(met)], policy, [], lambda: history, met)
    [retry] = [s for s in plan.steps if s.kind == "psp_retry"]
    assert retry.at == met + transient_wait(1)


def test_the_outage_still_waits_out_the_advised_delay_of_the_failure() -> None:
    met = FAILED + timedelta(days=2)
    policy = default_policy("insufficient_funds", "card", "UTC")
    history = [PastAttempt(FAILED, "merchant", False, None, "30")]
    payment = _mastercard_advised("30")
    plan, _ = decide(payment, [_outage_retry(met)], policy, [], lambda: history, met)
    [retry] = [s for s in plan.steps if s.kind == "psp_retry"]
    assert retry.at >= FAILED + timedelta(days=10)
