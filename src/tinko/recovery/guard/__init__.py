"""The network-rule guard: may this payment attempt be sent now, and if not, from when?

Pure: the rules come from ``network_rules.yaml`` here (effective-dated, chosen by the UTC date
of the proposed attempt), time is passed in, and ``history`` holds every attempt actually sent
to the network on the same card or mandate. Blocked attempts never reach the network, so they
are not history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Final

from tinko.recovery.guard.cards import mastercard_blocks, mastercard_fee, visa_blocks, visa_fee
from tinko.recovery.guard.loader import load_network_rules, read_network_rules
from tinko.recovery.guard.mandates import cycle_blocks, upi_blocks
from tinko.recovery.guard.rules import NetworkRules, NetworkRulesError
from tinko.recovery.guard.types import (
    Block,
    GuardDecision,
    Initiator,
    PastAttempt,
    ProposedAttempt,
)

__all__ = [
    "GuardDecision",
    "Initiator",
    "NetworkRules",
    "NetworkRulesError",
    "PastAttempt",
    "ProposedAttempt",
    "check_attempt",
    "earliest_allowed",
    "load_network_rules",
    "read_network_rules",
]

# Networks whose own rules we hold, and networks known to set no per-card retry cap. A card
# of any other network (none given, "other", one we hold no rules for) gets the strictest of
# the rules we hold, Visa's and Mastercard's together, never none.
_RULED_NETWORKS: Final = ("visa", "mastercard")
_UNCAPPED_NETWORKS: Final = ("rupay",)
# US bank debits under NACHA's reinitiation limit. Stripe's us_bank_account arrives as
# "ach_debit" (psp/stripe_events.py); rows stored before decision 0020 call it "netbanking",
# and net banking elsewhere is paid by the customer at checkout, so a merchant-initiated
# attempt on it can only be such a debit.
ACH_METHODS: Final = frozenset({"ach_debit", "us_bank_account", "netbanking"})
# Each step of the forward search lands on a moment where some block ends, so the count is
# bounded by the history plus a few window edges a day; this only stops a runaway loop.
_MAX_SEARCH_STEPS: Final = 10_000


def check_attempt(
    proposed: ProposedAttempt,
    history: Sequence[PastAttempt],
    *,
    rules: NetworkRules | None = None,
) -> GuardDecision:
    rules = load_network_rules() if rules is None else rules
    _require_aware(proposed, history)
    network = (proposed.card_network or "").strip().lower()
    method = proposed.payment_method_type.strip().lower()
    blocks: list[Block] = []
    fee = 0
    unknown_card = method == "card" and network not in (*_RULED_NETWORKS, *_UNCAPPED_NETWORKS)
    if network == "visa" or unknown_card:
        blocks += visa_blocks(proposed, history, rules.visa)
        fee = max(fee, visa_fee(proposed, history, rules.visa))
    if network == "mastercard" or unknown_card:
        blocks += mastercard_blocks(proposed, history, rules.mastercard)
        fee = max(fee, mastercard_fee(proposed, history, rules.mastercard))
    # Mandate rules govern executions we start; a payer paying on our page is not one.
    if proposed.initiator == "merchant" and method == "upi":
        blocks += upi_blocks(proposed, history, rules.upi_autopay)
    elif proposed.initiator == "merchant" and method == "emandate":
        blocks += cycle_blocks("emandate", "e-mandate", proposed, history, rules.emandate.cycle_cap)
    elif proposed.initiator == "merchant" and method in ACH_METHODS:
        label = "An ACH debit (NACHA reinitiation rule)"
        blocks += cycle_blocks("ach_debit", label, proposed, history, rules.ach_debit.cycle_cap)
    return _decide(blocks, fee)


def earliest_allowed(
    proposed: ProposedAttempt,
    history: Sequence[PastAttempt],
    *,
    rules: NetworkRules | None = None,
) -> datetime | None:
    """The first moment ≥ ``proposed.at`` that ``check_attempt`` allows, or None if never.

    Every block reports exactly when it ends, so we jump from one end to the next and re-check
    (another rule may still block there) instead of stepping through time.
    """
    rules = load_network_rules() if rules is None else rules
    moment = proposed.at
    for _ in range(_MAX_SEARCH_STEPS):
        decision = check_attempt(replace(proposed, at=moment), history, rules=rules)
        if decision.allowed:
            return moment
        if decision.earliest_at is None:
            return None
        if decision.earliest_at <= moment:
            raise AssertionError(f"{decision.rule} reported an earliest_at that is not later")
        moment = decision.earliest_at
    raise AssertionError(f"no allowed moment found in {_MAX_SEARCH_STEPS} steps")


def _decide(blocks: list[Block], fee: int) -> GuardDecision:
    if not blocks:
        reason = "Within network rules."
        if fee:
            reason += f" The network charges USD {fee / 100:.2f} for this attempt."
        return GuardDecision(True, None, reason, None, fee)
    # Report the block that lasts longest: its end is the closest hint to the real answer.
    forever = [b for b in blocks if b.earliest_at is None]
    chosen = forever[0] if forever else max(blocks, key=_end)
    return GuardDecision(False, chosen.rule, chosen.reason, chosen.earliest_at, fee)


def _end(block: Block) -> datetime:
    assert block.earliest_at is not None
    return block.earliest_at


def _require_aware(proposed: ProposedAttempt, history: Sequence[PastAttempt]) -> None:
    moments = [proposed.at, proposed.last_decline_at, proposed.cycle_started_at]
    moments += [a.at for a in history]
    for moment in moments:
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            raise ValueError(f"the guard needs aware datetimes, got {moment!r}")
