"""Retry timing that learns per merchant: Thompson sampling over retry slots.

A slot is a day offset from the moment the built-in policy would pick (0, 1 or 2 days later)
and an hour of the day in the customer's zone (06, 09, 12, 15 or 18:00). Each slot of a
decline category and rail (card network, or the mandate method) has a Beta posterior over
"a retry at this slot succeeds". The policy's own moment is the prior's favourite (Beta(4, 6),
a mean of 0.4, against Beta(1, 9) for the others), so a merchant without history gets the
defaults about 7 times in 10; the merchant's own outcomes then move the posteriors. Thompson
sampling draws once from each posterior and takes the best draw (Russo et al., "A Tutorial
on Thompson Sampling", https://arxiv.org/abs/1707.02038).

Guardrails: only slots the retry windows and the network-rule guard allow as they are, inside
the recovery window, and after the earliest moment the policy allows, are candidates (the
planner then checks the chosen moment once more); outage backoffs and a rule's own timing
are never replaced. Randomness comes from the caller's ``random.Random``, so a seed makes a
run reproducible. Pure: the stats are read and written by ``slot_stats``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from tinko.policies.windows import next_payday_moment, resolve_local, zone

HOURS: Final = (6, 9, 12, 15, 18)
DAY_OFFSETS: Final = (0, 1, 2)
PRIOR_DEFAULT: Final = (4.0, 6.0)
PRIOR_OTHER: Final = (1.0, 9.0)
MANDATE_RAILS: Final = frozenset({"upi", "emandate"})
# Days of the month a payday policy may learn (-1 the last): the built-in 1st, 15th and last
# day, and the other common ones (5th/20th, 7th/10th: issue #16; the 25th: Japanese wages,
# https://www.japan-guide.com/e/e2201.html ; weekly and fortnightly pay fall on day offsets).
MONTH_DAYS: Final = (1, 5, 7, 10, 15, 20, 25, -1)


@dataclass(frozen=True, slots=True)
class SlotStat:
    successes: int = 0
    failures: int = 0


@dataclass(frozen=True)
class Timing:
    """What the planner needs to learn: this merchant's stats for the case's category and
    rail (slot key → outcomes so far) and the random source."""

    scope: str  # "category/rail"
    stats: Mapping[str, SlotStat]
    rng: random.Random


@dataclass(frozen=True, slots=True)
class Choice:
    at: datetime
    key: str  # "category/rail/d1h09"
    default: bool
    draw: float
    successes: int
    tries: int


def rail(payment_method_type: str | None, card_network: str | None) -> str:
    if payment_method_type in MANDATE_RAILS:
        return str(payment_method_type)
    return card_network or payment_method_type or "card"


def scope(category: str, payment_method_type: str | None, card_network: str | None) -> str:
    return f"{category}/{rail(payment_method_type, card_network)}"


def slot_name(day: int, hour: int) -> str:
    return f"d{day}h{hour:02d}"


def bucket(hour: int) -> int:
    """The slot hour a local hour falls in (before 06:00: 06; after 18:00: 18)."""
    return max([h for h in HOURS if h <= hour], default=HOURS[0])


def candidates(
    default_at: datetime, earliest: datetime, timezone: str, *, monthly: bool = False
) -> dict[str, datetime]:
    """Slot name → moment: the default moment as its own slot, the others on the default's
    local day and the two after it, never before ``earliest``. ``monthly`` (a payday policy)
    adds the next of each day of the month in ``MONTH_DAYS`` at the default's hour: paydays
    differ by market (the 25th in Japan, the 7th or 10th for Indian wages), and a merchant's
    own outcomes show which its customers have."""
    tz = zone(timezone)
    local = default_at.astimezone(tz)
    default_name = slot_name(0, bucket(local.hour))
    found = {default_name: default_at}
    if monthly:
        for day in MONTH_DAYS:
            moment = next_payday_moment(earliest, timezone, (day,), local.hour)
            if moment != default_at:
                found[f"m{day}" if day > 0 else "mlast"] = moment.astimezone(default_at.tzinfo)
    for day in DAY_OFFSETS:
        for hour in HOURS:
            name = slot_name(day, hour)
            if name in found:
                continue
            wall = datetime.combine(local.date() + timedelta(days=day), time(hour), tzinfo=tz)
            moment = resolve_local(wall).astimezone(default_at.tzinfo)
            if moment >= earliest:
                found[name] = moment
    return found


def choose(
    timing: Timing,
    default_at: datetime,
    earliest: datetime,
    timezone: str,
    allowed: Callable[[datetime], bool],
    *,
    monthly: bool = False,
) -> Choice:
    """Thompson sampling over the slots ``allowed`` accepts; the default slot always competes
    (the planner moves it to the next allowed moment as it always did)."""
    slots = candidates(default_at, earliest, timezone, monthly=monthly)
    default_name = next(iter(slots))
    best: Choice | None = None
    for name, moment in slots.items():
        is_default = name == default_name
        if not is_default and not allowed(moment):
            continue
        stat = timing.stats.get(name, SlotStat())
        alpha, beta = PRIOR_DEFAULT if is_default else PRIOR_OTHER
        draw = timing.rng.betavariate(alpha + stat.successes, beta + stat.failures)
        if best is None or draw > best.draw:
            key = f"{timing.scope}/{name}"
            tries = stat.successes + stat.failures
            best = Choice(moment, key, is_default, draw, stat.successes, tries)
    assert best is not None  # the default slot is always there
    return best


def explain(choice: Choice) -> str:
    slot = choice.key.rsplit("/", 1)[-1]
    if choice.tries == 0:
        seen = "no history yet"
    else:
        seen = f"{choice.successes} of {choice.tries} retries in this slot succeeded"
    kind = "the policy's own slot" if choice.default else "a learned slot"
    return f"{kind} {slot} (Thompson sampling; {seen})"
