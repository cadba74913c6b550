"""The simulated world: customers, their money, their banks, and each failure's hidden truth.

Everything random is drawn here, up front, from the seed (one `random.Random` per stream), so a
strategy can never change what the world would have done: the oracle and every strategy face
the same balances, outages and customer reactions. Times inside the world are UTC epoch seconds.

A failure carries its own balance path from the moment it failed (the customer's balance then,
paydays from their income pattern, spending in between); see docs/simulator.md "World model".
"""

from __future__ import annotations

import bisect
import calendar
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, TypeVar

from tinko.policies.windows import zone
from tinko.simulate.scenario import Amount, FailureKind, Income, Range, Scenario

T = TypeVar("T")
DAY: Final = 86_400.0
HOUR: Final = 3_600.0
PAYDAY_HOUR: Final = 6  # salaries land early in the morning, local time
RESPONSE_DRAWS: Final = 8  # a customer reads at most the first eight messages of a case
LINK_TTL: Final = 48 * HOUR  # the payer link's default lifetime (docs/api.md)
NEVER: Final = math.inf
BILLING_PERIOD: Final = 30.0 * DAY  # repeat failures are monthly renewals
PERIOD_DAYS: Final = {"monthly": 30.44, "twice_monthly": 15.22, "weekly": 7.0, "biweekly": 14.0}
_FORTNIGHT_ANCHOR: Final = date(2000, 1, 3)  # a Monday: biweekly pay weeks count from it
# Payment method of the scenario → (payment_method_type, card_network) as the engine sees it.
METHOD_FIELDS: Final = {
    "visa_card": ("card", "visa"),
    "mastercard_card": ("card", "mastercard"),
    "rupay_card": ("card", "rupay"),
    "upi_autopay": ("upi", None),
    "emandate": ("emandate", None),
    "ach_debit": ("ach_debit", None),
    "sepa_debit": ("sepa_debit", None),
}
# Bank debits are answered late: a debit sent now is known settled or returned (R01, AM04…)
# only this many business days later. Stripe: ACH Direct Debit "can take up to 4 business days"
# (https://docs.stripe.com/payments/ach-direct-debit#timing); SEPA Direct Debit "up to 14
# business days ... the average is 7 to 8" (https://docs.stripe.com/payments/sepa-debit).
DEBIT_NOTICE_BUSINESS_DAYS: Final = {"ach_debit": 4, "sepa_debit": 7}


@dataclass(slots=True)
class Customer:
    index: int
    ref: str
    method: str
    payment_method_type: str
    card_network: str | None
    payment_method_ref: str
    country: str
    timezone: str
    income: Income
    issuer: int
    email: str | None
    phone: str | None


@dataclass(slots=True)
class Failure:
    """One failed payment and the hidden truth the oracle may read."""

    index: int
    ref: str
    customer: Customer
    kind: FailureKind
    amount: int
    failed_at: float
    window_end: float  # money collected after this no longer counts
    funds_at_failure: float  # NEVER-short causes use +inf
    income: float
    spend_per_second: float
    paydays: tuple[float, ...]
    clears_at: float  # temporary causes: when the issuer would approve again
    willing_draw: float  # below the (fatigued) willingness: the customer pays once they read
    read_draws: tuple[float, ...]  # per message of the case: below the read chance, it is read
    response_delays: tuple[float, ...]
    opt_out_draws: tuple[float, ...]

    def balance(self, at: float) -> float:
        """Money on the account at ``at``: spending drains it, each payday adds the income."""
        if self.funds_at_failure == NEVER:
            return NEVER
        money, last = self.funds_at_failure, self.failed_at
        for payday in self.paydays:
            if payday > at:
                break
            money = max(0.0, money - self.spend_per_second * (payday - last)) + self.income
            last = payday
        return max(0.0, money - self.spend_per_second * (at - last))

    def funds_from(self, at: float) -> float:
        """The first moment ≥ ``at`` when the balance covers the charge (NEVER if none).

        Between paydays the balance only falls, so it can only start to cover on a payday.
        """
        if self.balance(at) >= self.amount:
            return at
        for payday in self.paydays:
            if payday > at and self.balance(payday) >= self.amount:
                return payday
        return NEVER


@dataclass(slots=True)
class World:
    scenario: Scenario
    seed: int
    customers: list[Customer]
    failures: list[Failure]
    outages: list[list[tuple[float, float]]]  # per issuer, sorted (start, end)
    _outage_starts: list[list[float]] = field(default_factory=list)

    def issuer_down(self, issuer: int, at: float) -> float | None:
        """The end of the issuer's outage covering ``at``, or None when it is up."""
        spans = self.outages[issuer]
        i = bisect.bisect_right(self._outage_starts[issuer], at) - 1
        while i >= 0:
            start, end = spans[i]
            if end > at:
                return end
            if at - start > 10 * DAY:  # outages are shorter than that: stop looking back
                return None
            i -= 1
        return None

    def index_outages(self) -> None:
        for spans in self.outages:
            spans.sort()
        self._outage_starts = [[s for s, _ in spans] for spans in self.outages]


def epoch(day: date) -> float:
    return datetime.combine(day, time(0), tzinfo=UTC).timestamp()


def build_world(scenario: Scenario, seed: int) -> World:
    """Draw customers, issuer outages and failures (with their hidden state) from ``seed``."""
    streams = {name: random.Random(f"{seed}:{name}") for name in ("cust", "out", "fail", "resp")}
    start = epoch(scenario.start)
    horizon = start + scenario.days * DAY
    customers = [_customer(scenario, i, streams["cust"]) for i in range(scenario.customers)]
    outages = _outages(scenario, start, horizon, streams["out"])
    by_method: dict[str, list[Customer]] = {}
    for customer in customers:
        by_method.setdefault(customer.method, []).append(customer)
    rng = streams["fail"]
    kinds = [k for k in scenario.failure_mix if any(m in by_method for m in k.methods)]
    weights = [k.share for k in kinds]
    pools = [[c for m in k.methods for c in by_method.get(m, ())] for k in kinds]
    moments: dict[int, list[float]] = {}  # customer → the moments of their failures so far
    known = len(customers)
    failures = []
    for i in range(scenario.failures):
        which = rng.choices(range(len(kinds)), weights)[0]
        kind, pool = kinds[which], pools[which]
        customer = pool[rng.randrange(len(pool))]
        # Whole seconds: world times survive the round trip through datetime exactly.
        drawn = float(int(start + rng.random() * (horizon - start)))
        customer, failed_at, ends = _place(
            customer, pool, drawn, kind, moments, (scenario, customers, outages), rng
        )
        moments.setdefault(customer.index, []).append(failed_at)
        if customer.index >= known:  # a new customer joins every pool of their rail
            known += 1
            for other, members in zip(kinds, pools, strict=True):
                if customer.method in other.methods:
                    members.append(customer)
        failures.append(
            _failure(scenario, i, kind, customer, failed_at, ends, rng, streams["resp"])
        )
    world = World(scenario, seed, customers, failures, outages)
    world.index_outages()
    return world


REDRAWS: Final = 64  # random tries for a customer with a free renewal before adding one
OUTAGE_TRIES: Final = 8  # moments tried inside the issuer's outages for a repeat customer


def _place(
    customer: Customer,
    pool: Sequence[Customer],
    drawn: float,
    kind: FailureKind,
    moments: dict[int, list[float]],
    world: tuple[Scenario, list[Customer], list[list[tuple[float, float]]]],
    rng: random.Random,
) -> tuple[Customer, float, float]:
    """The failure's customer, moment and outage end (0 when not an outage).

    A subscription renews once per billing period, so a customer never fails twice within one
    period (decision 0023). When the drawn customer has no free renewal left, the failure goes
    to another customer of the same pool (random draws). When none of those has room either,
    it goes to a new customer like the drawn one (same rail, country, income and bank), who
    joins every pool of that rail (in build_world): the scenario asked for more failures than
    its customers renew.
    """
    scenario, customers, outages = world
    for candidate in _candidates(customer, pool, rng):
        placed = _moment(candidate, drawn, kind, moments, outages, scenario, rng)
        if placed is not None:
            return candidate, *placed
    n = len(customers)
    newcomer = replace(
        customer,
        index=n,
        ref=f"cus_sim_{n:07d}",
        payment_method_ref=f"pm_sim_{customer.method}_{n:07d}",
        email=f"customer{n}@example.com" if customer.email else None,
        phone=f"+1555{n:07d}" if customer.phone else None,
    )
    customers.append(newcomer)
    placed = _moment(newcomer, drawn, kind, moments, outages, scenario, rng)
    assert placed is not None  # a customer with no failures always has a moment
    return newcomer, *placed


def _candidates(
    customer: Customer, pool: Sequence[Customer], rng: random.Random
) -> Iterator[Customer]:
    """The drawn customer, then random others of the pool (drawn lazily)."""
    yield customer
    for _ in range(REDRAWS - 1):
        yield pool[rng.randrange(len(pool))]


def _moment(
    customer: Customer,
    drawn: float,
    kind: FailureKind,
    moments: dict[int, list[float]],
    outages: list[list[tuple[float, float]]],
    scenario: Scenario,
    rng: random.Random,
) -> tuple[float, float] | None:
    """(moment, outage end) for this customer's next failure, or None when they have no room."""
    start = epoch(scenario.start)
    horizon = start + scenario.days * DAY
    taken = moments.get(customer.index, [])
    at = _renewal(taken, drawn, start, horizon)
    if at is None:
        return None
    if kind.behaviour != "issuer_outage":
        return at, 0.0
    # An outage failure happens while its issuer is down, which need not be on a renewal:
    # try a few moments inside the issuer's outages that keep a period from the others.
    for _ in range(OUTAGE_TRIES if taken else 1):
        inside, ends = _inside_outage(outages[customer.issuer], at, scenario, rng)
        if _spaced(taken, inside):
            return inside, ends
    return None


def _renewal(taken: Sequence[float], drawn: float, start: float, horizon: float) -> float | None:
    """The customer's next free monthly renewal inside [start, horizon), or None.

    A first failure takes the drawn moment. A repeat one takes the renewal after the latest,
    else the one before the earliest: one period from every other failure of the customer.
    """
    if not taken:
        return drawn
    later, earlier = max(taken) + BILLING_PERIOD, min(taken) - BILLING_PERIOD
    if later < horizon:
        return later
    if earlier >= start:
        return earlier
    return None


def _spaced(taken: Sequence[float], at: float) -> bool:
    return all(abs(at - moment) >= BILLING_PERIOD for moment in taken)


def _pick(rng: random.Random, options: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(options, weights)[0]


def _customer(scenario: Scenario, i: int, rng: random.Random) -> Customer:
    method = _pick(
        rng, [m.type for m in scenario.payment_methods], [m.share for m in scenario.payment_methods]
    )
    country = _pick(rng, scenario.countries, [c.share for c in scenario.countries])
    income = _pick(rng, scenario.income, [p.share for p in scenario.income])
    pm_type, network = METHOD_FIELDS[method]
    responses = scenario.responses
    return Customer(
        index=i,
        ref=f"cus_sim_{i:07d}",
        method=method,
        payment_method_type=pm_type,
        card_network=network,
        payment_method_ref=f"pm_sim_{method}_{i:07d}",
        country=country.code,
        timezone=country.timezone,
        income=income,
        issuer=rng.randrange(scenario.issuers.count),
        email=f"customer{i}@example.com" if rng.random() < responses.reachable_email else None,
        phone=f"+1555{i:07d}" if rng.random() < responses.reachable_phone else None,
    )


def _uniform(rng: random.Random, span: Range) -> float:
    return span.low + rng.random() * (span.high - span.low)


def _outages(
    scenario: Scenario, start: float, horizon: float, rng: random.Random
) -> list[list[tuple[float, float]]]:
    """Each issuer's outages: a Poisson process over the failures' days and their windows."""
    issuers = scenario.issuers
    rate = issuers.outages_per_30_days / (30 * DAY)
    end = horizon + scenario.window_days * DAY
    out: list[list[tuple[float, float]]] = []
    for _ in range(issuers.count):
        spans: list[tuple[float, float]] = []
        moment = start - DAY
        while rate > 0:
            moment += rng.expovariate(rate)
            if moment >= end:
                break
            moment = float(int(moment))
            spans.append((moment, float(int(moment + _uniform(rng, issuers.outage_hours) * HOUR))))
        out.append(spans)
    return out


def _inside_outage(
    spans: list[tuple[float, float]], failed_at: float, scenario: Scenario, rng: random.Random
) -> tuple[float, float]:
    """An outage failure happens during one of its issuer's outages (one is added if none)."""
    start = epoch(scenario.start)
    horizon = start + scenario.days * DAY
    inside = [s for s in spans if start <= s[0] < horizon]
    if not inside:
        span = (
            failed_at,
            float(int(failed_at + _uniform(rng, scenario.issuers.outage_hours) * HOUR)),
        )
        spans.append(span)
        inside = [span]
    begin, end = inside[rng.randrange(len(inside))]
    return float(int(begin + rng.random() * (end - begin))), end


def _failure(
    scenario: Scenario,
    i: int,
    kind: FailureKind,
    customer: Customer,
    failed_at: float,
    outage_end: float,
    rng: random.Random,
    responses_rng: random.Random,
) -> Failure:
    amount = max(scenario.minimum_charge, draw_amount(scenario.amount, rng))
    window_end = failed_at + scenario.window_days * DAY
    multiple = _uniform(rng, scenario.balance.income_multiple)
    spend = _uniform(rng, scenario.balance.spend_share)
    income = multiple * amount
    if scenario.balance.income is not None:  # what the customer earns, whatever the charge
        income = float(draw_amount(scenario.balance.income, rng))
    period = PERIOD_DAYS.get(customer.income.pattern, customer.income.mean_days) * DAY
    funds = NEVER
    if kind.behaviour == "funds":
        funds = rng.random() * 0.95 * amount  # short by definition when it failed
    clears = NEVER
    if kind.behaviour in ("temporary_block", "upi_timeout"):
        if rng.random() >= kind.never_clears_share:
            clears = float(int(failed_at + _uniform(rng, kind.clears_after_hours) * HOUR))
    elif kind.behaviour == "issuer_outage":
        clears = outage_end
    return Failure(
        index=i,
        ref=f"sim_{i:07d}",
        customer=customer,
        kind=kind,
        amount=amount,
        failed_at=failed_at,
        window_end=window_end,
        funds_at_failure=funds,
        income=income,
        spend_per_second=spend * income / period,
        paydays=paydays(customer, failed_at, window_end + LINK_TTL, rng),
        clears_at=clears,
        willing_draw=responses_rng.random(),
        read_draws=tuple(responses_rng.random() for _ in range(RESPONSE_DRAWS)),
        response_delays=tuple(
            float(int(_uniform(responses_rng, scenario.responses.delay_hours) * HOUR))
            for _ in range(RESPONSE_DRAWS)
        ),
        opt_out_draws=tuple(responses_rng.random() for _ in range(RESPONSE_DRAWS)),
    )


def draw_amount(amount: Amount, rng: random.Random) -> int:
    if amount.kind == "fixed":
        return int(amount.values[0])
    if amount.kind == "uniform":
        return round(amount.values[0] + rng.random() * (amount.values[1] - amount.values[0]))
    if amount.kind == "lognormal":
        median, spread = amount.values
        return max(1, round(median * math.exp(rng.gauss(0.0, spread))))
    values = [v for v, _ in amount.choices]
    return _pick(rng, values, [s for _, s in amount.choices])


def paydays(
    customer: Customer, after: float, until: float, rng: random.Random
) -> tuple[float, ...]:
    """The customer's paydays in (after, until], at PAYDAY_HOUR local time."""
    income = customer.income
    if income.pattern == "irregular":
        out, moment = [], after + rng.random() * income.mean_days * DAY
        while moment <= until:
            out.append(float(int(moment)))
            moment += rng.expovariate(1 / (income.mean_days * DAY))
        return tuple(out)
    tz = zone(customer.timezone)
    first = datetime.fromtimestamp(after, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(until, tz).date()
    moments = (
        datetime.combine(day, time(PAYDAY_HOUR), tzinfo=tz).timestamp()
        for day in _paydates(first, last, income, customer.index % 2)
    )
    return tuple(m for m in moments if after < m <= until)


def _paydates(first: date, last: date, income: Income, parity: int = 0) -> list[date]:
    if income.pattern in ("weekly", "biweekly"):
        day = first + timedelta(days=(income.weekday - first.weekday()) % 7)
        step = 7
        if income.pattern == "biweekly":  # half the customers are paid in the other week
            step = 14
            if ((day - _FORTNIGHT_ANCHOR).days // 7) % 2 != parity:
                day += timedelta(days=7)
        out = []
        while day <= last:
            out.append(day)
            day += timedelta(days=step)
        return out
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        month_end = calendar.monthrange(year, month)[1]
        days = sorted({month_end if d == -1 else min(d, month_end) for d in income.days})
        dates = [date(year, month, d) for d in days]
        if income.business_days:  # Saturday and Sunday paydays come on the Friday before
            dates = [d - timedelta(days=max(0, d.weekday() - 4)) for d in dates]
        out += [d for d in dates if first <= d <= last]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def debit_notice(method: str, at: float) -> float:
    """When the result of a payment sent at ``at`` is known: at once for cards and mandates,
    some business days later (weekends skipped) for a bank debit."""
    days = DEBIT_NOTICE_BUSINESS_DAYS.get(method, 0)
    moment = at
    while days > 0:
        moment += DAY
        if datetime.fromtimestamp(moment, UTC).weekday() < 5:
            days -= 1
    return moment


def local_hour(at: float, timezone: str) -> int:
    return datetime.fromtimestamp(at, zone(timezone)).hour
