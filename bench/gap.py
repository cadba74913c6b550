"""Where Tinko loses to the oracle: the failures the oracle recovers and the engine does not.

Per world, each such failure is put in one row by its decline category (as classified at
intake), its rail (the scenario's payment method) and what the engine did with it:

* ``never contacted``: no retry reached a network and no message was sent;
* ``link only``: messages, no retry (a decline only the customer can fix, no saved method, or
  a retry the network-rule guard refused when it came due);
* ``retries useless, link unpaid``: retried, but only the customer could have paid;
* ``too early, budget spent`` / ``too early, window ended`` / ``too early, blocked``: every
  retry came before the first moment a retry could succeed (the payday, the clearing, the
  outage's end), and the case then ran out of retries, of window, or a network rule stopped it;
* ``too late``: a retry came after that moment and still failed (the money was spent again,
  or an outage met it);
* ``paid after the window``: collected, but later than the world's window allows.

Rows are sorted by the oracle revenue lost; ``versus`` counts how many of the row's failures
the named baseline recovered (what a simpler schedule gets that Tinko does not).

    .venv/bin/python -m bench.gap [--worlds jp_fitness gig_marketplace] [--failures 2000]
        [--seed 1] [--top 12] [--versus spaced_ladder]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tinko.simulate.driver import Driver, SimCase, classify_code
from tinko.simulate.matrix import worlds
from tinko.simulate.outcomes import _earliest_retry, oracle_time
from tinko.simulate.scenario import Scenario
from tinko.simulate.strategies import make_strategies
from tinko.simulate.world import NEVER, World, build_world


@dataclass
class Row:
    count: int = 0
    revenue: int = 0
    versus: int = 0


def what_happened(world: World, case: SimCase) -> str:
    """What the engine did with a failure it did not recover (the labels in the docstring)."""
    if case.status == "recovered":
        return "paid after the window"  # the engine's window outlasted the world's
    retries = [
        a.scheduled_for.timestamp()
        for a in case.attempts
        if a.kind == "psp_retry" and a.outcome in ("declined", "succeeded")
    ]
    messages = [a for a in case.attempts if a.kind == "notification" and a.outcome == "succeeded"]
    if not retries:
        return "link only" if messages else "never contacted"
    could = _earliest_retry(world, case.failure)
    if could == NEVER:
        return "retries useless, link unpaid"
    if max(retries) >= could:
        return "too late"
    reason = case.closed_reason or ""
    blocked = "blocked" in reason or any(a.outcome == "blocked" for a in case.attempts)
    stop = "budget spent" if "retries used" in reason else "blocked" if blocked else "window ended"
    return f"too early, {stop}"


@dataclass
class Gap:
    rows: dict[tuple[str, str, str], Row]  # (category, rail, what) → lost failures
    oracle_revenue: int = 0
    oracle_count: int = 0
    won_revenue: int = 0
    won_count: int = 0


def gap(scenario: Scenario, seed: int, versus: str) -> Gap:
    world = build_world(scenario, seed)
    strategies = {
        s.name: s for s in make_strategies(scenario.merchant_timezone, scenario.window_days)
    }
    engine = Driver(world, strategies["tinko"])
    got = engine.run(world.failures).recovered
    other = Driver(world, strategies[versus]).run(world.failures).recovered
    cases = {case.failure.index: case for case in engine.cases}
    out = Gap(defaultdict(Row))
    for failure in world.failures:
        if oracle_time(world, failure) is None:
            continue
        out.oracle_revenue += failure.amount
        out.oracle_count += 1
        if failure.index in got:
            out.won_revenue += failure.amount
            out.won_count += 1
            continue
        category = classify_code(world, failure, failure.kind.code, failure.failed_at)["category"]
        key = (str(category), failure.customer.method, what_happened(world, cases[failure.index]))
        row = out.rows[key]
        row.count += 1
        row.revenue += failure.amount
        row.versus += int(failure.index in other)
    out.rows = dict(sorted(out.rows.items(), key=lambda kv: -kv[1].revenue))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", nargs="+", default=None)
    parser.add_argument("--failures", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--versus", default="spaced_ladder")
    args = parser.parse_args(argv)
    out = sys.stdout
    for name, held_out, scenario in worlds():
        if args.worlds and name not in args.worlds:
            continue
        customers = max(1, round(args.failures * scenario.customers / scenario.failures))
        found = gap(scenario.with_failures(args.failures, customers), args.seed, args.versus)
        total = max(found.oracle_revenue, 1)
        out.write(f"\n### {name} ({'held-out' if held_out else 'tuned'}), seed {args.seed}\n\n")
        out.write(
            f"tinko ÷ oracle {found.won_revenue / total:.3f} by revenue, "
            f"{found.won_count / max(found.oracle_count, 1):.3f} by count "
            f"({found.oracle_count} failures the oracle recovers)\n\n"
        )
        out.write(
            "| category | rail | what the engine did | failures | ÷ oracle revenue "
            f"| {args.versus} got |\n|---|---|---|---|---|---|\n"
        )
        for (category, rail, what), row in list(found.rows.items())[: args.top]:
            out.write(
                f"| {category} | {rail} | {what} | {row.count} | {row.revenue / total:.3f} "
                f"| {row.versus} |\n"
            )
        out.flush()


if __name__ == "__main__":
    main()
