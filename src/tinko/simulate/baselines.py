"""Baselines a merchant would actually run, to measure Tinko's engine against.

* ``stripe_default``: Stripe's recommended Smart Retries setting, "8 tries within 2 weeks",
  stood in for by the failed payment plus 7 retries evenly spaced, every 2 days up to day 14
  (Stripe's model picks its own moments; we cannot, so even spacing is the honest stand-in).
* ``razorpay_default``: Razorpay Subscriptions' card schedule, "in a T+3 days cycle, we will
  retry the payment thrice, once every day", then the subscription halts.
* ``spaced_ladder``: retries 2, 7, 14 and 21 days after the failure.

Each keeps to the network and NPCI rules as a PSP would: a retry is moved to the first moment
the guard allows (NPCI's non-peak hours, the cycle caps, Mastercard's advised delays) and
dropped when it never would be; the driver asks the guard again before sending it. None
retries a decline only the customer can fix (expired card, authentication, hard declines):
they get a payment link at once. Everyone else gets a link with the failure notice and
another once the last retry has failed. Links go by email, or SMS without an email.

Sources: https://docs.stripe.com/payments/off-session-payments/smart-retries ,
https://razorpay.com/docs/payments/subscriptions/payment-retries/
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from tinko.recovery.decide import AttemptView, PaymentView
from tinko.recovery.guard import earliest_allowed
from tinko.recovery.guard.types import PastAttempt, ProposedAttempt
from tinko.recovery.planner import Plan, PlannedStep

BASELINE_CHANNELS: Final = ("email", "sms")
STRIPE_DAYS: Final = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0)
RAZORPAY_DAYS: Final = (1.0, 2.0, 3.0)
SPACED_DAYS: Final = (2.0, 7.0, 14.0, 21.0)
# What the classifier recommends when a merchant-initiated retry cannot succeed.
_CUSTOMER_ACTIONS: Final = frozenset(
    {
        "ask_customer_to_authenticate",
        "update_card_details",
        "ask_for_new_payment_method",
        "do_not_retry",
    }
)


def channel_for(payment: PaymentView) -> str | None:
    return next((c for c in BASELINE_CHANNELS if c in payment.reachable_channels), None)


def customer_must_act(classification: Mapping[str, Any]) -> bool:
    """No merchant retry can collect it: only the customer, through a link, can pay."""
    if not classification.get("retryable"):
        return True
    return classification.get("recommended_action") in _CUSTOMER_ACTIONS


def counts(attempts: Sequence[AttemptView]) -> tuple[int, int, frozenset[str]]:
    """(retries spent, messages sent, kinds still scheduled). A retry the guard held back
    counts as spent: the schedule moves on rather than asking again at once."""
    retries = sum(
        1
        for a in attempts
        if a.kind == "psp_retry" and a.outcome in ("declined", "failed", "blocked")
    )
    messages = sum(1 for a in attempts if a.kind == "notification" and a.outcome is not None)
    pending = frozenset(a.kind for a in attempts if a.status == "scheduled")
    return retries, messages, pending


@dataclass
class ScheduleBaseline:
    """Retries at fixed days after the failure, within the rules; links as the module says."""

    name: str
    days: tuple[float, ...]
    window: int
    guarded: bool = True

    def plan(
        self,
        payment: PaymentView,
        attempts: Sequence[AttemptView],
        history: Callable[[], list[PastAttempt]],
        now: datetime,
    ) -> Plan:
        retries, messages, pending = counts(attempts)
        if pending:
            return Plan(())
        channel = channel_for(payment)
        must_act = customer_must_act(payment.classification) or not payment.payment_method_ref
        if messages == 0 and channel is not None:
            why = "customer must act" if must_act else "failure notice"
            return Plan((PlannedStep("notification", now, channel, self.name, why),))
        if not must_act:
            while retries < len(self.days):
                wanted = max(now, payment.failed_at + timedelta(days=self.days[retries]))
                at = self._allowed(payment, history, wanted)
                if at is not None and at <= payment.expires_at:
                    return Plan((PlannedStep("psp_retry", at, None, self.name, "schedule"),))
                retries += 1  # never allowed within the window: the PSP skips it
            if (
                messages == 1
                and channel is not None
                and any(a.kind == "psp_retry" for a in attempts)
            ):
                return Plan((PlannedStep("notification", now, channel, self.name, "last link"),))
        return Plan((), stop_reason="schedule finished")

    def _allowed(
        self, payment: PaymentView, history: Callable[[], list[PastAttempt]], at: datetime
    ) -> datetime | None:
        c = payment.classification
        proposed = ProposedAttempt(
            at=at,
            initiator="merchant",
            card_network=payment.card_network,
            payment_method_type=payment.payment_method_type or "card",
            last_decline_visa_category=c.get("visa_category"),
            last_decline_merchant_advice_code=c.get("merchant_advice_code"),
            last_decline_at=payment.failed_at,
        )
        return earliest_allowed(proposed, history())

    def window_days(self, category: str, payment_method_type: str | None) -> int:
        return self.window


def merchant_baselines(window_days: int) -> list[ScheduleBaseline]:
    return [
        ScheduleBaseline("stripe_default", STRIPE_DAYS, window_days),
        ScheduleBaseline("razorpay_default", RAZORPAY_DAYS, window_days),
        ScheduleBaseline("spaced_ladder", SPACED_DAYS, window_days),
    ]
