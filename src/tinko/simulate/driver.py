"""Run one strategy over the world's failures on a virtual clock.

This is the in-memory twin of the live engine's loop. The live service keeps due work as
`recovery_attempt` rows that a periodic sweep claims; here due work sits in a priority queue
keyed by virtual time and runs exactly when due (no sweep interval, no lease, no crash
recovery: nothing can crash mid-attempt in memory). Everything the live runner decides is the
same: the guard is asked again just before a retry runs (``runner._claim``), a decline is
re-classified and the case re-planned (``runner._record_charge``), a message re-plans after it
is sent (``runner._send_link``), and a success closes the case and cancels what is planned.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from tinko.classifier import DeclineSignal, classify
from tinko.kit.clock import FrozenClock
from tinko.notify.zones import customer_zone, possible_zones
from tinko.policies.paydays import pay_calendar_key
from tinko.recovery.decide import AttemptView, PaymentView
from tinko.recovery.guard import check_attempt
from tinko.recovery.guard.types import PastAttempt, ProposedAttempt
from tinko.recovery.settlement import last_try_moment
from tinko.recovery.transient import (
    ISSUER_OUTAGE,
    IssuerSignal,
    issuer_hold,
    keeps_category,
    newer,
)
from tinko.simulate.ledger import Ledger
from tinko.simulate.outcomes import charge, reachable, react, remembered
from tinko.simulate.strategies import Strategy
from tinko.simulate.world import Failure, World, debit_notice

# card_history.HISTORY_DAYS: the longest network window (NACHA's 180 days for ACH debits).
HISTORY: Final = timedelta(days=181)
# A PSP answers a charge in a few seconds; the live runner records the result (and re-plans)
# at that later moment, so the simulator does too.
PSP_SECONDS: Final = 3.0
MAX_PLANS_PER_CASE: Final = 200  # a planner that never settles is a bug; stop and say so
_INTAKE, _DUE, _PAYS, _NOTICE = 0, 1, 2, 3


@dataclass(slots=True)
class SimAttempt:
    kind: str
    channel: str | None
    scheduled_for: datetime
    planned_by: str
    status: str = "scheduled"
    outcome: str | None = None
    finished_at: datetime | None = None
    decline_category: str | None = None
    slot: str | None = None  # the learned-timing slot that chose the moment
    answer: str | None = None  # a pending bank debit's result: None settles, else the code

    def view(self) -> AttemptView:
        return AttemptView(
            self.kind, self.status, self.outcome, self.finished_at, self.decline_category
        )


@dataclass(slots=True)
class SimCase:
    slot: int  # position in the driver's case list
    failure: Failure
    classification: dict[str, Any]
    expires_at: datetime | None = None
    attempts: list[SimAttempt] = field(default_factory=list)
    open: bool = True
    status: str = "pending"
    closed_reason: str | None = None
    messages_sent: int = 0
    plans: int = 0
    # The last PaymentView and what it was built from: rebuilt only when those change.
    view: PaymentView | None = None
    view_key: tuple[dict[str, Any], bool] | None = None


@dataclass
class StrategyResult:
    name: str
    recovered: dict[int, tuple[float, str]] = field(default_factory=dict)  # index → (at, via)
    retries_sent: int = 0
    retries_blocked: int = 0
    messages_sent: int = 0
    messages_by_channel: dict[str, int] = field(default_factory=dict)
    opt_outs: int = 0
    violations: dict[str, int] = field(default_factory=dict)
    network_fees_usd_cents: int = 0
    attempt_fees_minor: int = 0
    runaway_cases: int = 0
    retries_held: int = 0  # retries held back while their issuer was seen down

    def merge(self, other: StrategyResult) -> None:
        self.recovered.update(other.recovered)
        self.retries_sent += other.retries_sent
        self.retries_blocked += other.retries_blocked
        self.messages_sent += other.messages_sent
        for channel, count in other.messages_by_channel.items():
            self.messages_by_channel[channel] = self.messages_by_channel.get(channel, 0) + count
        self.opt_outs += other.opt_outs
        for rule, count in other.violations.items():
            self.violations[rule] = self.violations.get(rule, 0) + count
        self.network_fees_usd_cents += other.network_fees_usd_cents
        self.attempt_fees_minor += other.attempt_fees_minor
        self.runaway_cases += other.runaway_cases
        self.retries_held += other.retries_held


def utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def classify_code(world: World, failure: Failure, code: str, at: float) -> dict[str, Any]:
    customer = failure.customer
    advice = failure.kind.advice_code if code == failure.kind.code else None
    return _classified(
        world.scenario.gateway,
        code,
        advice,
        customer.payment_method_type,
        customer.card_network,
        customer.country,
        utc(at).date(),
    )


@functools.lru_cache(maxsize=4096)
def _classified(
    gateway: str,
    code: str,
    advice: str | None,
    method: str,
    network: str | None,
    country: str,
    on: date,
) -> dict[str, Any]:
    """classify() is pure; the same signal on the same day always reads the same (shared,
    never mutated) classification."""
    signal = DeclineSignal(
        gateway=gateway,
        decline_code=code,
        network_advice_code=advice,
        payment_method_type=method,
        card_network=network,
        country=country,
        on=on,
    )
    return classify(signal).to_dict()


class Driver:
    """One strategy over some of the world's failures (a shard: whole customers only)."""

    def __init__(
        self,
        world: World,
        strategy: Strategy,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        self.world = world
        self.strategy = strategy
        self.clock = FrozenClock(utc(world.failures[0].failed_at if world.failures else 0))
        self.ledger = Ledger()
        self.result = StrategyResult(strategy.name)
        self.cards: dict[str, list[PastAttempt]] = {}
        self.customer_messages: dict[int, list[float]] = {}  # send times per customer
        self.opted_out: set[int] = set()
        self.cases: list[SimCase] = []
        self.queue: list[tuple[float, int, int, int, int]] = []
        self.seq = 0
        self.on_progress = on_progress
        self._fee = dict(world.scenario.fees.per_attempt)
        self._merchant_tz = world.scenario.merchant_timezone
        # A strategy that learns from outcomes (learned timing) is told each retry's result.
        self._learn: Callable[[str, bool], None] | None = getattr(strategy, "learn", None)
        # What this merchant's payments last said about each issuer (recovery.transient), for
        # a strategy that holds retries while an issuer is seen down, as the live runner does.
        self._watches_issuers = bool(getattr(strategy, "watches_issuers", False))
        self.issuers: dict[int, IssuerSignal] = {}

    def _push(self, at: float, kind: int, case: int, attempt: int = -1) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, kind, case, attempt))

    def run(self, failures: Iterable[Failure]) -> StrategyResult:
        for failure in failures:
            self.cases.append(SimCase(len(self.cases), failure, {}))
            self._push(failure.failed_at, _INTAKE, len(self.cases) - 1)
        last_day = None
        while self.queue:
            at, _, kind, index, attempt = heapq.heappop(self.queue)
            self.clock.set(utc(at))
            case = self.cases[index]
            if kind == _INTAKE:
                self._intake(case, at)
            elif kind == _DUE:
                self._run_attempt(case, case.attempts[attempt], at)
            elif kind == _NOTICE:
                self._notice(case, case.attempts[attempt], at)
            else:
                self._payer_pays(case, at)
            if self.on_progress is not None and (last_day is None or at - last_day >= 86_400):
                last_day = at
                self.on_progress(at)
        self.result.violations = dict(self.ledger.violations)
        self.result.network_fees_usd_cents = self.ledger.network_fees_usd_cents
        return self.result

    # --- intake and planning ------------------------------------------------------------------

    def _intake(self, case: SimCase, at: float) -> None:
        failure = case.failure
        self.ledger.original(failure)
        case.classification = classify_code(self.world, failure, failure.kind.code, at)
        self._issuer_said(failure, at, approved=False, category=case.classification["category"])
        # The failed payment itself reached the network: the guard's rules count it (a
        # mandate's first execution of the cycle), so it is card history like any retry, as
        # recovery.card_history reads it from the payment_failed events.
        self.cards.setdefault(failure.customer.payment_method_ref, []).append(
            PastAttempt(
                utc(at),
                "merchant",
                False,
                case.classification.get("visa_category"),
                case.classification.get("merchant_advice_code"),
            )
        )
        self._plan(case)

    def _payment(self, case: SimCase) -> PaymentView:
        failure, customer, c = case.failure, case.failure.customer, case.classification
        opted_out = customer.index in self.opted_out
        key = case.view_key
        if case.view is not None and key is not None and key[0] is c and key[1] == opted_out:
            return case.view
        channels = () if opted_out else reachable(failure)
        failed_at = utc(failure.failed_at)
        assert case.expires_at is not None
        case.view_key = (c, opted_out)
        case.view = PaymentView(
            category=str(c["category"]),
            decline_type=str(c["decline_type"]),
            classification=c,
            amount_minor=failure.amount,
            currency=self.world.scenario.currency,
            gateway=self.world.scenario.gateway,
            payment_method_type=customer.payment_method_type,
            payment_method_ref=customer.payment_method_ref,
            card_network=customer.card_network,
            country=customer.country,
            customer_ref=customer.ref,
            customer_email=customer.email,
            customer_locale=None,
            metadata={},
            failed_at=failed_at,
            expires_at=case.expires_at,
            reachable_channels=channels,
            # The simulated customer's zone as the live engine would infer it from the
            # country alone (the simulator's phone numbers are placeholders).
            customer_timezone=customer_zone(None, None, customer.country, self._merchant_tz),
            pay_calendar=pay_calendar_key(
                customer.country, None, self.world.scenario.currency, self._merchant_tz
            ),
            message_zones=possible_zones(None, None, customer.country),
        )
        return case.view

    def _history(self, ref: str) -> Callable[[], list[PastAttempt]]:
        def history() -> list[PastAttempt]:
            since = self.clock.now() - HISTORY
            return [a for a in self.cards.get(ref, ()) if a.at >= since]

        return history

    def _plan(self, case: SimCase) -> None:
        if not case.open:
            return
        case.plans += 1
        if case.plans > MAX_PLANS_PER_CASE:
            self.result.runaway_cases += 1
            self._close(case, "exhausted", "the planner did not settle")
            return
        now = self.clock.now()
        customer = case.failure.customer
        if case.expires_at is None:
            days = self.strategy.window_days(
                str(case.classification["category"]), customer.payment_method_type
            )
            case.expires_at = utc(case.failure.failed_at) + timedelta(days=days)
        payment = self._payment(case)
        views = [a.view() for a in case.attempts]
        plan = self.strategy.plan(payment, views, self._history(customer.payment_method_ref), now)
        for step in plan.steps:
            attempt = SimAttempt(step.kind, step.channel, step.at, step.planned_by, slot=step.slot)
            case.attempts.append(attempt)
            self._push(step.at.timestamp(), _DUE, case.slot, len(case.attempts) - 1)
        if any(a.status == "scheduled" for a in case.attempts):
            case.status = "scheduled"
        elif plan.stop_reason is not None:
            self._close(case, "exhausted", plan.stop_reason)

    def _close(self, case: SimCase, status: str, reason: str) -> None:
        now = self.clock.now()
        case.open, case.status, case.closed_reason = False, status, reason
        for attempt in case.attempts:
            if attempt.status == "scheduled":
                attempt.status, attempt.outcome, attempt.finished_at = "cancelled", "cancelled", now

    # --- running attempts ---------------------------------------------------------------------

    def _run_attempt(self, case: SimCase, attempt: SimAttempt, at: float) -> None:
        if attempt.status != "scheduled":
            return
        now = self.clock.now()
        if not case.open:
            attempt.status, attempt.outcome, attempt.finished_at = "cancelled", "cancelled", now
            return
        if attempt.kind == "psp_retry":
            self._retry(case, attempt, at, now)
        else:
            self._message(case, attempt, at, now)

    def _retry(self, case: SimCase, attempt: SimAttempt, at: float, now: datetime) -> None:
        if self._hold_for_issuer(case, attempt, now):
            return
        failure = case.failure
        customer = failure.customer
        history = self._history(customer.payment_method_ref)
        if self.strategy.guarded:
            decision = check_attempt(
                ProposedAttempt(
                    at=now,
                    initiator="merchant",
                    card_network=customer.card_network,
                    payment_method_type=customer.payment_method_type,
                    last_decline_visa_category=case.classification.get("visa_category"),
                    last_decline_merchant_advice_code=case.classification.get(
                        "merchant_advice_code"
                    ),
                    last_decline_at=utc(failure.failed_at),
                ),
                history(),
            )
            if not decision.allowed:
                self.result.retries_blocked += 1
                attempt.status, attempt.outcome, attempt.finished_at = "done", "blocked", now
                self._plan(case)
                return
        verdict = self.ledger.check(failure, at)
        self.result.retries_sent += 1
        self.result.attempt_fees_minor += self._fee.get(customer.method, 0)
        code = failure.kind.code if verdict.refused else charge(self.world, failure, at)
        self.ledger.record(failure, at, code is None)
        notice = debit_notice(customer.method, at)
        if notice > at:  # a bank debit: settled or returned days later, pending till then
            attempt.status, attempt.answer = "running", code
            self.cards.setdefault(customer.payment_method_ref, []).append(
                PastAttempt(now, "merchant", code is None)
            )
            self._push(notice, _NOTICE, case.slot, case.attempts.index(attempt))
            return
        self.clock.set(utc(at + PSP_SECONDS))
        self._answer(case, attempt, code, at, at)

    def _issuer_said(
        self, failure: Failure, at: float, *, approved: bool, category: object
    ) -> None:
        issuer = failure.customer.issuer
        old = self.issuers.get(issuer, IssuerSignal())
        if approved:
            self.issuers[issuer] = replace(old, up_at=newer(old.up_at, utc(at)))
        elif category == ISSUER_OUTAGE:
            self.issuers[issuer] = replace(old, down_at=newer(old.down_at, utc(at)))

    def _hold_for_issuer(self, case: SimCase, attempt: SimAttempt, now: datetime) -> bool:
        """As the live claim: a retry due while its issuer is seen down waits."""
        if not self._watches_issuers:
            return False
        last = None
        if case.expires_at is not None:
            last = last_try_moment(case.failure.customer.payment_method_type, case.expires_at)
        until = issuer_hold(self.issuers.get(case.failure.customer.issuer), now, last)
        if until is None:
            return False
        self.result.retries_held += 1
        attempt.scheduled_for = until
        self._push(until.timestamp(), _DUE, case.slot, case.attempts.index(attempt))
        return True

    def _notice(self, case: SimCase, attempt: SimAttempt, at: float) -> None:
        """A bank debit's answer arrives: settled (recovered now) or returned (re-plan)."""
        if attempt.status != "running":
            return
        if not case.open:  # paid another way meanwhile
            attempt.status, attempt.finished_at = "done", self.clock.now()
            attempt.outcome = "succeeded" if attempt.answer is None else "declined"
            return
        sent = attempt.scheduled_for.timestamp()
        self._answer(case, attempt, attempt.answer, sent, at, debit=True)

    def _answer(
        self,
        case: SimCase,
        attempt: SimAttempt,
        code: str | None,
        sent: float,
        at: float,
        debit: bool = False,
    ) -> None:
        """The PSP's answer to a retry sent at ``sent``, known at ``at`` (the clock's now)."""
        customer = case.failure.customer
        now = self.clock.now()
        attempt.status, attempt.finished_at = "done", now
        if code is None:
            self._issuer_said(case.failure, sent, approved=True, category=None)
            if attempt.slot is not None and self._learn is not None:
                self._learn(attempt.slot, True)
            attempt.outcome = "succeeded"
            if not debit:
                self.cards.setdefault(customer.payment_method_ref, []).append(
                    PastAttempt(now, "merchant", True)
                )
            self._recovered(case, at, "retry")
            return
        declined = classify_code(self.world, case.failure, code, sent)
        self._issuer_said(case.failure, sent, approved=False, category=declined["category"])
        attempt.outcome, attempt.decline_category = "declined", str(declined["category"])
        # As the live runner: an outage met on the way keeps the case's classification.
        if not keeps_category(str(case.classification["category"]), attempt.decline_category):
            case.classification = declined
            if attempt.slot is not None and self._learn is not None:
                self._learn(attempt.slot, False)  # an outage says nothing about the slot
        if not debit:
            self.cards.setdefault(customer.payment_method_ref, []).append(
                PastAttempt(
                    now,
                    "merchant",
                    False,
                    declined.get("visa_category"),
                    declined.get("merchant_advice_code"),
                )
            )
        self._plan(case)

    def _message(self, case: SimCase, attempt: SimAttempt, at: float, now: datetime) -> None:
        failure = case.failure
        customer = failure.customer
        channel = attempt.channel or "email"
        attempt.status, attempt.finished_at = "done", now
        if customer.index in self.opted_out or channel not in reachable(failure):
            attempt.outcome = "skipped"
            self._plan(case)
            return
        sent = self.customer_messages.setdefault(customer.index, [])
        prior = remembered(self.world, sent, at)
        reaction = react(self.world, failure, channel, at, case.messages_sent, prior)
        sent.append(at)
        case.messages_sent += 1
        self.result.messages_sent += 1
        by_channel = self.result.messages_by_channel
        by_channel[channel] = by_channel.get(channel, 0) + 1
        attempt.outcome = "succeeded"
        if reaction.pays_at is not None:
            self._push(reaction.pays_at, _PAYS, case.slot)
        if reaction.opts_out:
            self.opted_out.add(customer.index)
            self.result.opt_outs += 1
        self._plan(case)

    def _payer_pays(self, case: SimCase, at: float) -> None:
        if case.status == "recovered":
            return
        self._recovered(case, at, "link")

    def _recovered(self, case: SimCase, at: float, via: str) -> None:
        self._close(case, "recovered", f"paid ({via})")
        if at <= case.failure.window_end:
            self.result.recovered[case.failure.index] = (at, via)
