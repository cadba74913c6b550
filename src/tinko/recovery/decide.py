"""The engine's "decide the next step" as one pure function over plain records.

``planning.plan_case`` builds these records from its rows and calls ``decide``; the simulator
builds them from its world and calls the same function, so a simulation runs exactly the
decisions the live service makes: facts from the attempts so far, the rule context, the first
matching rule, the card's network history (read only when a retry is possible), ``plan_next``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tinko.policies.defaults import PolicySpec
from tinko.recovery.guard.types import PastAttempt
from tinko.recovery.planner import CaseFacts, Plan, plan_next
from tinko.recovery.statuses import AttemptStatus
from tinko.recovery.timing import Timing
from tinko.recovery.transient import FREE_TRANSIENT_RETRIES, keeps_category
from tinko.rules import Decision, RuleSpec, evaluate

_NOT_DONE = (AttemptStatus.SCHEDULED, AttemptStatus.QUEUED, AttemptStatus.RUNNING)


@dataclass(frozen=True, slots=True)
class PaymentView:
    """What the engine reads of a transaction and its case."""

    category: str
    decline_type: str
    classification: Mapping[str, Any]
    amount_minor: int
    currency: str
    gateway: str
    payment_method_type: str | None
    payment_method_ref: str | None
    card_network: str | None
    country: str | None
    customer_ref: str | None
    customer_email: str | None
    customer_locale: str | None
    metadata: Mapping[str, Any]
    failed_at: datetime
    expires_at: datetime
    reachable_channels: tuple[str, ...]
    # The customer's IANA zone (given, or inferred from the phone or country; see
    # notify.zones); None: the merchant's. Paydays, quiet hours and built-in windows use it.
    customer_timezone: str | None = None
    # The customer's pay calendar (policies.paydays.pay_calendar_key) for ``paydays: auto``.
    pay_calendar: str | None = None
    # Every zone the customer may be in (notify.zones.possible_zones): messages keep to
    # waking hours in all of them when they share some.
    message_zones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AttemptView:
    kind: str  # psp_retry | notification
    status: str  # scheduled | queued | running | done | cancelled
    outcome: str | None
    finished_at: datetime | None
    decline_category: str | None = None  # how a declined retry was classified


def case_facts(payment: PaymentView, attempts: Sequence[AttemptView], now: datetime) -> CaseFacts:
    """engine._facts: failed retries and sent messages count; pending kinds block duplicates."""
    c = payment.classification
    retries = [a for a in attempts if a.kind == "psp_retry" and a.outcome in ("declined", "failed")]
    # An outage met during recovery does not use up the case's budget (transient.py).
    outages = [a for a in retries if keeps_category(payment.category, a.decline_category)]
    free = min(len(outages), FREE_TRANSIENT_RETRIES)
    streak = 0
    for attempt in sorted(retries, key=lambda a: a.finished_at or now, reverse=True):
        if not keeps_category(payment.category, attempt.decline_category):
            break
        streak += 1
    own = [
        a.finished_at
        for a in retries
        if a.finished_at and not keeps_category(payment.category, a.decline_category)
    ]
    messages = [a for a in attempts if a.kind == "notification" and a.outcome == "succeeded"]
    pending = frozenset(a.kind for a in attempts if a.status in _NOT_DONE)
    return CaseFacts(
        category=payment.category,
        retryable=bool(c.get("retryable")),
        cooldown_seconds=int(c.get("cooldown_seconds") or 0),
        visa_category=c.get("visa_category"),
        merchant_advice_code=c.get("merchant_advice_code"),
        payment_method_type=payment.payment_method_type,
        payment_method_ref=payment.payment_method_ref,
        card_network=payment.card_network,
        failed_at=payment.failed_at,
        expires_at=payment.expires_at,
        retries_done=len(retries) - free,
        last_retry_at=max((a.finished_at for a in retries if a.finished_at), default=None),
        messages_sent=len(messages),
        last_message_at=max((a.finished_at for a in messages if a.finished_at), default=None),
        reachable_channels=payment.reachable_channels,
        pending_kinds=pending,
        outage_streak=streak if len(outages) <= FREE_TRANSIENT_RETRIES else 0,
        timezone=payment.customer_timezone,
        pay_calendar=payment.pay_calendar,
        message_zones=payment.message_zones if payment.customer_timezone else (),
        own_decline_at=max(own, default=payment.failed_at) if outages else None,
    )


def rule_context(payment: PaymentView, facts: CaseFacts, now: datetime) -> dict[str, Any]:
    """engine._rule_context: the fields docs/api.md lists for rule conditions."""
    return {
        "category": payment.category,
        "decline_type": payment.decline_type,
        "retryable": bool(payment.classification.get("retryable")),
        "amount": payment.amount_minor,
        "currency": payment.currency,
        "gateway": payment.gateway,
        "payment_method_type": payment.payment_method_type,
        "country": payment.country,
        "card_network": payment.card_network,
        "attempt_number": facts.retries_done + 1,
        "hours_since_failure": (now - facts.failed_at).total_seconds() / 3600,
        "customer": {
            "id": payment.customer_ref,
            "email": payment.customer_email,
            "locale": payment.customer_locale,
        },
        "metadata": dict(payment.metadata),
    }


def decide(
    payment: PaymentView,
    attempts: Sequence[AttemptView],
    policy: PolicySpec,
    rules: Sequence[RuleSpec],
    card_history: Callable[[], list[PastAttempt]],
    now: datetime,
    timing: Timing | None = None,
) -> tuple[Plan, Decision]:
    """The next steps of an open case, as ``planning.plan_case`` decides them."""
    facts = case_facts(payment, attempts, now)
    decision = evaluate(rules, rule_context(payment, facts, now))
    rule_label = None
    if decision.matched is not None:
        rule_label = f"rule:{decision.matched.id}@{decision.matched.version}"
    may_retry = (
        facts.retryable and facts.payment_method_ref and "psp_retry" not in facts.pending_kinds
    )
    history = card_history() if may_retry else []
    plan = plan_next(
        facts, policy, decision.actions, rule_label, history, now, timing, rule=decision.matched
    )
    return plan, decision
