"""The world's own count of network rules: every attempt that reaches a network, per card or
mandate, checked with simple counting rules of its own (not the engine's guard), so the
violations column is an independent check of the guard rather than the guard grading itself.

The limits come from the same effective-dated data the guard loads
(``tinko.recovery.guard.loader.load_network_rules``), read here as the networks state them:
- Visa: at most N declined reattempts per card in a rolling 30 days; a card reported lost or
  stolen (category 1) is never reattempted; each excess reattempt is charged.
- Mastercard: at most N declined attempts per card in 24 hours and in 30 days; no attempt within
  30 days of a MAC 03/21 decline; MAC 24-30 and 02 say how long to wait; excess attempts charged.
- UPI AutoPay: executions only in NPCI non-peak hours; per 30-day cycle one debit plus up to
  three retries, and one successful debit.
- e-mandates: the first presentation plus three retries per cycle.
- ACH debits (NACHA): the original entry plus at most two reinitiations within 180 days.
- Any method: a revoked mandate or a lost or stolen card is never retried.
For mandates the failed debit itself counts as the cycle's first execution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from tinko.policies.windows import is_allowed
from tinko.recovery.guard import load_network_rules
from tinko.recovery.guard.rules import NetworkRules
from tinko.simulate.world import Failure

_NEVER_RETRY: Final = frozenset({"lost_stolen", "mandate_revoked"})


@dataclass(slots=True)
class _Execution:
    at: float
    approved: bool
    retry: bool  # False for the original failed payment


@dataclass(slots=True)
class Verdict:
    violations: tuple[str, ...]
    network_fee_usd_cents: int
    refused: bool  # the network itself turns the attempt away (NPCI hours and cycle caps)


@dataclass(slots=True)
class Ledger:
    rules: NetworkRules = field(default_factory=load_network_rules)
    executions: dict[str, list[_Execution]] = field(default_factory=dict)
    violations: dict[str, int] = field(default_factory=dict)
    network_fees_usd_cents: int = 0

    def original(self, failure: Failure) -> None:
        """The failed payment itself: a mandate's first execution of the cycle."""
        ref = failure.customer.payment_method_ref
        self.executions.setdefault(ref, []).append(_Execution(failure.failed_at, False, False))

    def check(self, failure: Failure, at: float) -> Verdict:
        """What the networks make of a merchant retry at ``at`` (before its result is known)."""
        moment = datetime.fromtimestamp(at, UTC)
        customer = failure.customer
        past = [e for e in self.executions.get(customer.payment_method_ref, ()) if e.at <= at]
        broken: list[str] = []
        fee = 0
        refused = False
        if failure.kind.behaviour in _NEVER_RETRY:
            broken.append(f"world.never_retry_{failure.kind.behaviour}")
        network = customer.card_network
        if network == "visa":
            fee += self._visa(failure, past, moment, broken)
        elif network == "mastercard":
            fee += self._mastercard(failure, past, moment, broken)
        if customer.payment_method_type == "upi":
            refused = self._upi(past, moment, broken)
        elif customer.payment_method_type in ("emandate", "ach_debit"):
            refused = self._cycle(customer.payment_method_type, past, moment, broken)
        for rule in broken:
            self.violations[rule] = self.violations.get(rule, 0) + 1
        self.network_fees_usd_cents += fee
        return Verdict(tuple(broken), fee, refused)

    def record(self, failure: Failure, at: float, approved: bool) -> None:
        ref = failure.customer.payment_method_ref
        self.executions.setdefault(ref, []).append(_Execution(at, approved, True))

    @property
    def violation_count(self) -> int:
        return sum(self.violations.values())

    # --- per network ------------------------------------------------------------------------

    def _visa(
        self, failure: Failure, past: list[_Execution], moment: datetime, broken: list[str]
    ) -> int:
        visa = self.rules.visa
        fee_table = visa.excess_fee.at(moment)
        caps = visa.attempt_caps.at(moment)
        excess = False
        if failure.kind.behaviour == "lost_stolen" and visa.do_not_retry.at(moment):
            broken.append("visa.category_1")
            excess = True
        for limit in caps.limits if caps else ():
            if _declined_retries(past, moment, limit.window) >= limit.max_declines:
                broken.append(limit.rule)
                excess = True
        return fee_table.domestic_usd_cents if excess and fee_table else 0

    def _mastercard(
        self, failure: Failure, past: list[_Execution], moment: datetime, broken: list[str]
    ) -> int:
        mc = self.rules.mastercard
        fee = 0
        caps = mc.attempt_caps.at(moment)
        over = False
        for limit in caps.limits if caps else ():
            if _declined_retries(past, moment, limit.window) >= limit.max_declines:
                broken.append(limit.rule)
                over = True
        excess = mc.excess_fee.at(moment)
        if over and excess:
            fee += excess
        code = failure.kind.advice_code
        never = mc.do_not_retry.at(moment)
        if code is not None and never is not None and code in never.advice_codes:
            broken.append(f"mastercard.mac_{code}")
            fee += never.fee_usd_cents
        delays = mc.retry_after.at(moment) or {}
        failed = datetime.fromtimestamp(failure.failed_at, UTC)
        if code is not None and code in delays and moment < failed + delays[code]:
            broken.append("mastercard.mac_retry_after")
        return fee

    def _upi(self, past: list[_Execution], moment: datetime, broken: list[str]) -> bool:
        upi = self.rules.upi_autopay
        refused = False
        window = upi.execution_window.at(moment)
        if window is not None and not is_allowed(moment, window):
            broken.append("upi_autopay.peak_window")
            refused = True
        return self._cycle("upi_autopay", past, moment, broken) or refused

    def _cycle(
        self, prefix: str, past: list[_Execution], moment: datetime, broken: list[str]
    ) -> bool:
        timeline = {
            "upi_autopay": self.rules.upi_autopay.cycle_cap,
            "emandate": self.rules.emandate.cycle_cap,
            "ach_debit": self.rules.ach_debit.cycle_cap,
        }[prefix]
        cap = timeline.at(moment)
        if cap is None:
            return False
        since = (moment - cap.unknown_cycle_window).timestamp()
        in_cycle = [e for e in past if e.at > since]
        refused = False
        if len(in_cycle) >= cap.max_attempts:
            broken.append(f"{prefix}.cycle_cap")
            refused = True
        if cap.max_successes is not None and sum(e.approved for e in in_cycle) >= cap.max_successes:
            broken.append(f"{prefix}.cycle_successes")
            refused = True
        return refused


def _declined_retries(past: list[_Execution], moment: datetime, window: timedelta) -> int:
    since = (moment - window).timestamp()
    return sum(1 for e in past if e.retry and not e.approved and e.at > since)
