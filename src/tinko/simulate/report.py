"""The figures of a simulation: one JSON object (the documented shape) and a Rich table."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from rich.table import Table

from tinko.kit.money import minor_unit_exponent
from tinko.simulate.driver import StrategyResult
from tinko.simulate.run import Simulation
from tinko.simulate.strategies import BASELINES
from tinko.simulate.world import DAY, HOUR, epoch


def strategy_figures(sim: Simulation, result: StrategyResult) -> dict[str, Any]:
    failures = sim.world.failures
    failed = sum(f.amount for f in failures)
    recovered_cases = [(failures[i], at) for i, (at, _) in result.recovered.items()]
    recovered = sum(f.amount for f, _ in recovered_cases)
    oracle = oracle_revenue(sim)
    count = len(recovered_cases)
    hours = [(at - f.failed_at) / HOUR for f, at in recovered_cases]
    fees = result.attempt_fees_minor + result.network_fees_usd_cents * sim.scenario.fees.usd_cent
    per_message = sim.scenario.fees.per_message
    message_costs = sum(per_message.get(c, 0.0) * n for c, n in result.messages_by_channel.items())
    return {
        "failed_revenue": failed,
        "recovered_revenue": recovered,
        "recovered_share": _ratio(recovered, failed),
        "oracle_share": _ratio(recovered, oracle),
        "oracle_share_by_count": _ratio(count, len(sim.oracle)),
        "attempts_per_recovered": _per(result.retries_sent, count),
        "messages_per_recovered": _per(result.messages_sent, count),
        "opt_outs_per_recovered": _per(result.opt_outs, count),
        "median_hours_to_recover": round(statistics.median(hours), 2) if hours else None,
        "opt_outs": result.opt_outs,
        "violations": sum(result.violations.values()),
        "fees": round(fees),
        "message_costs": round(message_costs),
        "net_recovered_revenue": round(recovered - fees - message_costs),
    }


def _per(part: int, count: int) -> float | None:
    return round(part / count, 3) if count else None


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def oracle_revenue(sim: Simulation) -> int:
    failures = sim.world.failures
    return sum(failures[i].amount for i in sim.oracle)


def to_json(sim: Simulation) -> dict[str, Any]:
    strategies = {name: strategy_figures(sim, r) for name, r in sim.results.items()}
    return {
        "scenario": sim.scenario.name,
        "seed": sim.seed,
        "oracle": {
            "recoverable_revenue": oracle_revenue(sim),
            "recoverable_count": len(sim.oracle),
        },
        "strategies": strategies,
        "versus_strongest_baseline": versus_strongest(strategies),
    }


def versus_strongest(strategies: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Tinko against the baseline that recovered the most revenue (ties: the first listed).
    Ratios are null when that baseline recovered nothing (or made no net revenue)."""
    baselines = [n for n in BASELINES if n in strategies]
    if "tinko" not in strategies or not baselines:
        return None
    best = max(baselines, key=lambda n: strategies[n]["recovered_revenue"])
    tinko, other = strategies["tinko"], strategies[best]

    def ratio(key: str) -> float | None:
        return round(tinko[key] / other[key], 4) if other[key] > 0 else None

    return {
        "baseline": best,
        "revenue_ratio": ratio("recovered_revenue"),
        "net_revenue_ratio": ratio("net_recovered_revenue"),
        "count_share_ratio": ratio("oracle_share_by_count"),
    }


def details(sim: Simulation) -> dict[str, Any]:
    """What the table shows beyond the JSON: blocked retries and the violated rules."""
    return {
        name: {
            "retries_sent": r.retries_sent,
            "retries_blocked": r.retries_blocked,
            "messages_sent": r.messages_sent,
            "violated_rules": dict(sorted(r.violations.items())),
            "runaway_cases": r.runaway_cases,
        }
        for name, r in sim.results.items()
    }


def table(sim: Simulation) -> Table:
    data = to_json(sim)
    currency = sim.scenario.currency
    title = (
        f"{sim.scenario.name}: {len(sim.world.failures):,} failures over {sim.scenario.days} "
        f"days, window {sim.scenario.window_days} days, seed {sim.seed}; oracle "
        f"{_money(data['oracle']['recoverable_revenue'], currency)} recoverable"
    )
    out = Table(title=title)
    out.add_column("")
    names = list(data["strategies"])
    for name in names:
        out.add_column(name, justify="right")
    rows: list[tuple[str, str, Callable[[Any], str]]] = [
        ("failed revenue", "failed_revenue", lambda v: _money(v, currency)),
        ("recovered revenue", "recovered_revenue", lambda v: _money(v, currency)),
        ("recovered share", "recovered_share", _percent),
        ("share of the oracle (revenue)", "oracle_share", _percent),
        ("share of the oracle (count)", "oracle_share_by_count", _percent),
        ("retries per recovered", "attempts_per_recovered", _number),
        ("messages per recovered", "messages_per_recovered", _number),
        ("opt-outs per recovered", "opt_outs_per_recovered", _number),
        ("median hours to recover", "median_hours_to_recover", _number),
        ("opt-outs", "opt_outs", str),
        ("network-rule violations", "violations", str),
        ("fees", "fees", lambda v: _money(v, currency)),
        ("message costs", "message_costs", lambda v: _money(v, currency)),
        ("net recovered revenue", "net_recovered_revenue", lambda v: _money(v, currency)),
    ]
    for label, key, show in rows:
        values = [data["strategies"][n][key] for n in names]
        out.add_row(label, *("-" if v is None else show(v) for v in values))
    return out


def _money(minor: float, currency: str) -> str:
    digits = minor_unit_exponent(currency)  # JPY has none, KWD three
    return f"{currency} {minor / 10**digits:,.{digits}f}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def _number(value: float) -> str:
    return f"{value:.2f}"


def daily_recovered(sim: Simulation) -> dict[str, list[int]]:
    """Cumulative recovered revenue per strategy at the end of each virtual day."""
    start = epoch(sim.scenario.start)
    days = sim.scenario.days + sim.scenario.window_days
    failures = sim.world.failures
    out: dict[str, list[int]] = {}
    for name, result in sim.results.items():
        per_day = [0] * (days + 1)
        for i, (at, _) in result.recovered.items():
            per_day[min(days, max(0, int((at - start) // DAY)))] += failures[i].amount
        running, series = 0, []
        for amount in per_day:
            running += amount
            series.append(running)
        out[name] = series
    return out
