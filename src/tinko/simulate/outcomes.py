"""What the world answers: a retry's result, a customer's reaction to a message, and the oracle.

The oracle knows each failure's hidden truth and asks: within the window, what is the earliest
moment some action could have collected the money? Either a merchant retry the networks would
accept at a moment the charge would succeed, or a message the customer would answer (their
seeded draw below the best chance any strategy could get) followed by a payment they can fund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from tinko.policies.windows import next_allowed
from tinko.recovery.guard import load_network_rules
from tinko.simulate.world import (
    DAY,
    LINK_TTL,
    NEVER,
    RESPONSE_DRAWS,
    Failure,
    World,
    debit_notice,
    local_hour,
)

# The customer has to act: the saved method cannot succeed on a merchant retry.
NEEDS_CUSTOMER: Final = frozenset(
    {"expired_card", "lost_stolen", "authentication", "mandate_revoked"}
)
_PHONE_CHANNELS: Final = ("sms", "whatsapp")


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def charge(world: World, failure: Failure, at: float) -> str | None:
    """A merchant retry at ``at``: None when approved, else the decline code the PSP reports."""
    kind = failure.kind
    if kind.behaviour in NEEDS_CUSTOMER:
        return kind.code
    rules = load_network_rules().mastercard
    if kind.advice_code is not None:
        never = rules.do_not_retry.at(_utc(at))
        if never is not None and kind.advice_code in never.advice_codes:
            return kind.code  # the issuer said "do not try again"
        delay = (rules.retry_after.at(_utc(at)) or {}).get(kind.advice_code)
        if delay is not None and at < failure.failed_at + delay.total_seconds():
            return kind.code  # earlier than the issuer asked
    if world.issuer_down(failure.customer.issuer, at) is not None:
        return world.scenario.issuer_down_code
    if kind.behaviour == "funds":
        return None if failure.balance(at) >= failure.amount else kind.code
    return None if at >= failure.clears_at else kind.code


@dataclass(frozen=True, slots=True)
class Reaction:
    pays_at: float | None  # when the customer pays through the link, if they do
    opts_out: bool


def read_chance(world: World, failure: Failure, channel: str, at: float) -> float:
    """Chance a message is read: by channel and the customer's local time of day."""
    responses = world.scenario.responses
    hour = local_hour(at, failure.customer.timezone)
    daytime = responses.day_start <= hour < responses.day_end
    return responses.channels.get(channel, 0.0) * (1.0 if daytime else responses.night_factor)


def react(
    world: World, failure: Failure, channel: str, at: float, in_case: int, prior: int
) -> Reaction:
    """The customer's reaction to the case's message number ``in_case`` (0-based) sent at ``at``,
    ``prior`` being how many messages they had already received from the merchant.

    They act when they read it and are willing; willingness is one hidden trait per failure
    that every earlier message wears down (``fatigue``). Unread or unwelcome, a message may
    make them opt out, the more so the more they have had.
    """
    if in_case >= RESPONSE_DRAWS:
        return Reaction(None, False)
    responses = world.scenario.responses
    read = failure.read_draws[in_case] < read_chance(world, failure, channel, at)
    willing = failure.willing_draw < willingness(world, failure, at) * responses.fatigue**prior
    if read and willing:
        paid = link_paid_at(world, failure, at, failure.response_delays[in_case])
        return Reaction(None if paid == NEVER else paid, False)
    chance_out = min(1.0, responses.opt_out_first + responses.opt_out_per_message * prior)
    return Reaction(None, failure.opt_out_draws[in_case] < chance_out)


def remembered(world: World, sent: Sequence[float], at: float) -> int:
    """How many of the messages sent to a customer (their times, ``sent``) still wear them
    down at ``at``: all of them, or with ``fatigue_memory_days`` those of the last so many
    days."""
    memory = world.scenario.responses.fatigue_memory_days
    if memory is None:
        return len(sent)
    return sum(1 for t in sent if t > at - memory * DAY)


def willingness(world: World, failure: Failure, at: float) -> float:
    """The chance a customer who reads a link at ``at`` pays, before fatigue: the failure
    kind's own (lower for fraud declines) or the scenario's, halving every half-life."""
    responses = world.scenario.responses
    base = failure.kind.willingness
    chance = responses.willingness if base is None else base
    half_life = responses.willingness_half_life_days
    if half_life is not None:
        chance *= 0.5 ** (max(0.0, at - failure.failed_at) / (half_life * DAY))
    return chance


def link_paid_at(world: World, failure: Failure, sent: float, delay: float) -> float:
    """When a customer who decides to pay a link sent at ``sent`` manages to (NEVER if not
    before the link or the window expires): once their balance covers it and, when outages
    stop links too, once their bank is back up."""
    deadline = min(sent + LINK_TTL, failure.window_end)
    paid = failure.funds_from(sent + delay)
    if world.scenario.issuers.stop_links:
        issuer = failure.customer.issuer
        while paid <= deadline and (end := world.issuer_down(issuer, paid)) is not None:
            paid = failure.funds_from(end)
    return paid if paid <= deadline else NEVER


def reachable(failure: Failure) -> tuple[str, ...]:
    channels = ["email"] if failure.customer.email else []
    if failure.customer.phone:
        channels += list(_PHONE_CHANNELS)
    return tuple(channels)


# --- the oracle -----------------------------------------------------------------------------


def oracle_time(world: World, failure: Failure) -> float | None:
    """The earliest moment within the window at which some action collects, or None."""
    best = min(_earliest_retry(world, failure), _earliest_answer(world, failure))
    return None if best == NEVER else best


def _earliest_retry(world: World, failure: Failure) -> float:
    kind = failure.kind
    if kind.behaviour in NEEDS_CUSTOMER:
        return NEVER
    start, end = failure.failed_at + 1.0, failure.window_end
    candidates = {start, failure.clears_at, *failure.paydays}
    candidates.update(e for _, e in world.outages[failure.customer.issuer] if start < e <= end)
    if kind.advice_code is not None:
        delay = (load_network_rules().mastercard.retry_after.at(_utc(start)) or {}).get(
            kind.advice_code
        )
        if delay is not None:
            candidates.add(failure.failed_at + delay.total_seconds())
    window = None
    if failure.customer.payment_method_type == "upi":
        window = load_network_rules().upi_autopay.execution_window.at(_utc(start))
    for moment in sorted(c for c in candidates if start <= c <= end):
        if window is not None:
            moment = next_allowed(_utc(moment), window).timestamp()
            if moment > end:
                break
        if charge(world, failure, moment) is None:
            # A bank debit collects when it settles, days later; so does the oracle's.
            settled = debit_notice(failure.customer.method, moment)
            return settled if settled <= end else NEVER
    return NEVER


def _earliest_answer(world: World, failure: Failure) -> float:
    channels = reachable(failure)
    if not channels:
        return NEVER
    responses = world.scenario.responses
    if failure.willing_draw >= willingness(world, failure, failure.failed_at):
        return NEVER  # willingness only falls with time
    top = max(responses.channels.get(c, 0.0) for c in channels)
    best = NEVER
    for k in range(RESPONSE_DRAWS):
        if failure.read_draws[k] >= top:
            continue
        delay = failure.response_delays[k]
        sends = {failure.failed_at, *(p - delay for p in failure.paydays)}
        if world.scenario.issuers.stop_links:  # or just in time to pay when the bank is back
            spans = world.outages[failure.customer.issuer]
            sends.update(e - delay for _, e in spans if failure.failed_at < e <= failure.window_end)
        for sent in sends:
            if not failure.failed_at <= sent <= failure.window_end:
                continue
            # Message k comes after k others, each of which wore the customer down.
            if failure.willing_draw >= willingness(world, failure, sent) * responses.fatigue**k:
                continue
            best = min(best, link_paid_at(world, failure, sent, delay))
    return best
