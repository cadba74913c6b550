"""Retry timing that learns per merchant when its customers' money arrives.

Every retry of a decline category with learned timing counts, success or failure, in two
calendar cells of the merchant: its day of the month and its weekday in the customer's zone
(stored as "category/cal/dom25" and "category/cal/wd4" next to the retry's slot). Each cell
has a Beta posterior whose prior is centred on the category's pooled rate, so the cells say
only what the merchant's own outcomes say: "our customers' retries succeed on the 7th" or
"on Fridays". Candidate moments are the policy's own, the same hour on each of the six days
after it, and for payday policies the next 1st, 5th, 7th, 10th, 15th, 20th, 25th or last day.
Since decision 0024 only a payday retry moves, scored by its day of the month alone; both
cells are still counted, for the reason and for a reward that sees the window. A candidate
competes only if the merchant's outcomes say, by more than a standard deviation, that its day
beats the policy's; Thompson sampling then picks among the policy's moment and those (Russo
et al., "A Tutorial on Thompson Sampling", https://arxiv.org/abs/1707.02038). Without history
the policy's moment is always kept.

Decision 0032: a payday policy's card retries off the customer's calendar also count per
weekday and week of the month ("category/cal/owd5q2"); ``learned_weekday`` finds a weekday
of weekly or fortnightly pay in them, and the planner then puts the policy's retries on it.

Guardrails: only moments the retry windows and the network-rule guard allow as they are,
inside the recovery window, and after the earliest moment the policy allows, are candidates
(the planner then checks the chosen moment once more); outage backoffs and a rule's own
timing are never replaced. Randomness comes from the caller's ``random.Random``, so a seed
makes a run reproducible. Pure: the stats are read and written by ``slot_stats``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from math import sqrt
from typing import Final

from tinko.policies.windows import next_payday_moment, resolve_local, zone

HOURS: Final = (6, 9, 12, 15, 18)
DAY_OFFSETS: Final = (0, 1, 2)
MANDATE_RAILS: Final = frozenset({"upi", "emandate"})
# Days of the month a payday policy may learn (-1 the last): the built-in 1st, 15th and last
# day, and the other common ones (5th/20th, 7th/10th: issue #16; the 25th: Japanese wages,
# https://www.japan-guide.com/e/e2201.html ; weekly and fortnightly pay fall on day offsets).
MONTH_DAYS: Final = (1, 5, 7, 10, 15, 20, 25, -1)
# The weekday candidates: the default's hour on each of the six days after it.
WEEK_OFFSETS: Final = (1, 2, 3, 4, 5, 6)
CALENDAR: Final = "cal"
# Pseudo-observations of a calendar cell's prior (centred on the pooled rate): a few dozen
# outcomes of the merchant's own move a cell, a handful do not.
PRIOR_WEIGHT: Final = 10.0
# How much later than the policy's own moment a learned payday retry may move (decision
# 0027): further than a week skips one of the policy's paydays, and a day that wins per try
# then loses the case the window no longer has room for.
MAX_LATER: Final = timedelta(days=7)
# A weekday learned as a payday (decision 0032) is counted only from retries off the customer's
# pay calendar (no calendar payday that day or the three before), so money a calendar payday
# brought does not lend its weekday (decision 0024). Each count is per weekday and week of the
# month ("category/cal/owd5q2": a Saturday of days 8-14), so a payday on a day of the month
# the calendar does not know (the 10th), which lifts one week of the month, is told apart from
# weekly pay, which lifts its weekday in every week.
OFF_CALENDAR: Final = "owd"
# It takes this many off-calendar retries on the weekday outside its best week of the month,
# and successes there this many standard deviations above what other weekdays' rates in the
# same weeks predict, to add it.
WEEKDAY_MIN_TRIES: Final = 30
WEEKDAY_SIGMAS: Final = 3.0
# The slot of a retry the policy timed itself (between paydays, at the window's end), which
# counts only in its off-calendar weekday.
FIXED: Final = "fixed"


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
    successes: int  # of the chosen day of the month
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
    for day in WEEK_OFFSETS:
        wall = datetime.combine(local.date() + timedelta(days=day), local.time(), tzinfo=tz)
        found[f"d{day}h{local.hour:02d}"] = resolve_local(wall).astimezone(default_at.tzinfo)
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


def cells(moment: datetime, timezone: str) -> tuple[str, str]:
    """The calendar cells of a retry moment in the customer's zone: its day of the month
    ("dom25") and its weekday ("wd4", Monday 0)."""
    local = moment.astimezone(zone(timezone))
    return f"dom{local.day}", f"wd{local.weekday()}"


def outcome_keys(slot: str) -> list[str]:
    """The stat keys one retry's outcome updates: its slot ("category/rail/d1h09"; not a
    ``FIXED`` one, which no choice reads) and, when the slot names them after "|", the
    category's calendar cells ("category/cal/dom25")."""
    key, *extra = slot.split("|")
    category = key.split("/", 1)[0]
    own = [] if key.endswith(f"/{FIXED}") else [key]
    return [*own, *(f"{category}/{CALENDAR}/{cell}" for cell in extra)]


def _posterior(stat: SlotStat, rate: float) -> tuple[float, float]:
    # A prior centred on the category's pooled success rate: no evidence, no preference.
    return rate * PRIOR_WEIGHT + stat.successes, (1 - rate) * PRIOR_WEIGHT + stat.failures


def _moments(alpha: float, beta: float) -> tuple[float, float]:
    mean = alpha / (alpha + beta)
    return mean, mean * (1 - mean) / (alpha + beta + 1)


def choose(
    timing: Timing,
    default_at: datetime,
    earliest: datetime,
    timezone: str,
    allowed: Callable[[datetime], bool],
    *,
    monthly: bool = False,
) -> Choice:
    """When money arrives for this merchant's customers: each candidate moment of a payday
    retry is scored by the merchant's own success rate on its day of the month (a Beta
    posterior over every retry of the category, successes and failures). A candidate other
    than the policy's own moment competes only when its expected rate beats the default's by
    more than one standard deviation of the difference (bounded exploration: without history,
    or with a flat calendar, the policy's moment is kept, so week 1 equals the defaults);
    among those, Thompson sampling takes the best draw. The default always competes (the
    planner moves it to the next allowed moment as it always did).

    Decision 0024: the weekday does not score (the weekday a payday fell on while the
    merchant learned moves every month: April's payday on a Friday made Fridays look like
    paydays in May), and a backoff retry keeps the policy's moment (a later day succeeds
    more often per try because a hold had longer to clear, but the retries it pushes out of
    the window are not in the reward). Decision 0027: nor does a payday retry move more than
    ``MAX_LATER`` past the policy's moment."""
    slots = candidates(default_at, earliest, timezone, monthly=monthly)
    default_name = next(iter(slots))
    stats = timing.stats
    doms = [v for k, v in stats.items() if k.startswith("dom")]
    wins = sum(v.successes for v in doms)
    rate = (wins + 1) / (sum(v.successes + v.failures for v in doms) + 2)
    draws: dict[str, float] = {}

    def score(moment: datetime) -> tuple[float, float, float]:
        cell = cells(moment, timezone)[0]
        alpha, beta = _posterior(stats.get(cell, SlotStat()), rate)
        if cell not in draws:
            draws[cell] = timing.rng.betavariate(alpha, beta)
        mean, var = _moments(alpha, beta)
        return mean, var, draws[cell]

    base_mean, base_var, base_draw = score(slots[default_name])
    best = (base_draw, default_name)
    movable = slots.items() if monthly else ()
    for name, moment in movable:
        if name == default_name or moment.hour != slots[default_name].hour:
            continue  # the calendar says which day, not which hour: the policy's hour stays
        if moment > slots[default_name] + MAX_LATER:
            continue
        mean, var, draw = score(moment)
        if mean - base_mean <= sqrt(var + base_var) or not allowed(moment):
            continue
        best = max(best, (draw, name))
    draw, name = best
    dom = stats.get(cells(slots[name], timezone)[0], SlotStat())
    tries = dom.successes + dom.failures
    key = f"{timing.scope}/{name}"
    return Choice(slots[name], key, name == default_name, draw, dom.successes, tries)


def weekday_cell(moment: datetime, timezone: str) -> str:
    """The off-calendar cell of a retry moment: weekday (Monday 0) and week of the month
    (days 1-7 are 1, days 29-31 are 5) in the customer's zone: "owd5q2"."""
    local = moment.astimezone(zone(timezone))
    return f"{OFF_CALENDAR}{local.weekday()}q{(local.day - 1) // 7 + 1}"


def learned_weekday(stats: Mapping[str, SlotStat]) -> tuple[int, SlotStat] | None:
    """The weekday this merchant's customers are paid on, with its counts, if its retries off
    the pay calendar succeed clearly more often than other weekdays' in the same weeks of the
    month: weekly and fortnightly pay that no calendar lists (decision 0032).

    Per week of the month, a weekday's excess is its successes above what that week's rate
    over all weekdays predicts; the sum of its excesses without its best week must exceed
    ``WEEKDAY_SIGMAS`` binomial standard deviations, over at least ``WEEKDAY_MIN_TRIES``
    retries. Weekly pay lifts its weekday in every week of the month; a monthly payday the
    calendar does not know (the 10th) lifts only one week, whichever weekday it falls on.
    Of the weekdays that pass, the one with the largest excess per retry wins."""
    cells: dict[tuple[int, int], SlotStat] = {}  # (weekday, week of the month) -> outcomes
    for name, stat in stats.items():
        cell = name.removeprefix(OFF_CALENDAR)
        if cell != name and len(cell) == 3 and cell[0].isdigit() and cell[2].isdigit():
            cells[(int(cell[0]), int(cell[2]))] = stat
    wins: Counter[int] = Counter()
    tries: Counter[int] = Counter()
    for (_, week), stat in cells.items():
        wins[week] += stat.successes
        tries[week] += stat.successes + stat.failures
    rate = {week: (wins[week] + 1) / (tries[week] + 2) for week in tries}
    best: tuple[float, int] | None = None
    for day in range(7):
        parts = sorted(  # (excess, variance, tries) per week of the month
            (stat.successes - n * rate[week], n * rate[week] * (1 - rate[week]), n)
            for (d, week), stat in cells.items()
            if d == day and (n := stat.successes + stat.failures)
        )[:-1]  # without its best week of the month
        count = sum(n for _, _, n in parts)
        lift = sum(excess for excess, _, _ in parts)
        spread = sqrt(sum(var for _, var, _ in parts))
        if count < WEEKDAY_MIN_TRIES or lift <= WEEKDAY_SIGMAS * spread:
            continue
        # Of the weekdays that pass, the one whose retries pay most often: the day after
        # payday passes too, with money already spent.
        if best is None or lift / count > best[0]:
            best = (lift / count, day)
    if best is None:
        return None
    mine = [v for (d, _), v in cells.items() if d == best[1]]
    return best[1], SlotStat(sum(v.successes for v in mine), sum(v.failures for v in mine))


def explain(choice: Choice) -> str:
    slot = choice.key.rsplit("/", 1)[-1]
    if choice.tries == 0:
        seen = "no history for this day of the month yet"
    else:
        seen = f"{choice.successes} of {choice.tries} retries on this day of the month succeeded"
    kind = "the policy's own moment" if choice.default else "a learned day"
    return f"{kind} {slot} (calendar Thompson sampling; {seen})"
