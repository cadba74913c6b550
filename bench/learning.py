"""Learned timing over consecutive weeks: does it learn, and how close to the oracle does it get?

Each world runs for ``--weeks`` weeks of failures (``--per-week`` a week) with the built-in
policies (``tinko``) and the same policies with learned timing on every category
(``tinko_learned``: one merchant's slot stats, learning from its own outcomes as they come).
For each week of failures it prints the oracle share (revenue- and count-weighted) of both,
so the learning curve shows; the last column is the share of week ``--weeks``.

    .venv/bin/python -m bench.learning [--worlds gig_marketplace jp_fitness] [--weeks 8]
        [--per-week 400] [--seeds 1 2 3] [--fatigue-memory-days 30]
        [--scenarios bench/worlds/weekly_wed_us.yaml ...]

``--scenarios`` runs scenario files (the development worlds of ``bench/worlds``) instead of
the matrix worlds; each is labelled with its file name.

``--fatigue-memory-days`` sets the worlds' ``responses.fatigue_memory_days`` (by default every
message a customer ever had wears them down, so week after week of renewals wears the same
customers down further).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from tinko.simulate.matrix import worlds
from tinko.simulate.run import Simulation, simulate
from tinko.simulate.scenario import load_scenario
from tinko.simulate.world import DAY, epoch

NAMES = ("tinko", "tinko_learned")


def weekly(sim: Simulation, name: str, weeks: int) -> list[tuple[float, float]]:
    """(revenue share, count share) of the oracle per week of failure."""
    start = epoch(sim.scenario.start)
    recovered = sim.results[name].recovered
    sums = [[0, 0, 0, 0] for _ in range(weeks)]  # oracle revenue, recovered revenue, counts
    for failure in sim.world.failures:
        if failure.index not in sim.oracle:
            continue
        week = min(int((failure.failed_at - start) // (7 * DAY)), weeks - 1)
        sums[week][0] += failure.amount
        sums[week][2] += 1
        if failure.index in recovered:
            sums[week][1] += failure.amount
            sums[week][3] += 1
    return [(r / o if o else 0.0, c / n if n else 0.0) for o, r, n, c in sums]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", nargs="+", default=None)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--per-week", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fatigue-memory-days", type=float, default=None)
    parser.add_argument("--scenarios", nargs="+", type=Path, default=[])
    args = parser.parse_args(argv)
    out = sys.stdout
    out.write(f"{args.per_week} failures a week for {args.weeks} weeks; oracle share by week ")
    out.write("of failure, revenue-weighted (count-weighted in brackets).\n\n")
    head = " | ".join(f"w{w + 1}" for w in range(args.weeks))
    out.write(f"| world | seed | strategy | {head} |\n")
    out.write("|---|---|---|" + "---|" * args.weeks + "\n")
    chosen = [(path.stem, False, load_scenario(path)) for path in args.scenarios] or [
        world for world in worlds() if not args.worlds or world[0] in args.worlds
    ]
    for name, held_out, scenario in chosen:
        failures = args.per_week * args.weeks
        customers = max(1, round(failures * scenario.customers / scenario.failures))
        responses = scenario.responses
        if args.fatigue_memory_days is not None:
            responses = dataclasses.replace(responses, fatigue_memory_days=args.fatigue_memory_days)
        scaled = dataclasses.replace(
            scenario,
            days=7 * args.weeks,
            failures=failures,
            customers=customers,
            responses=responses,
        )
        for seed in args.seeds:
            sim = simulate(scaled, seed, workers=args.workers, learned=True)
            for strategy in NAMES:
                cells = " | ".join(
                    f"{r:.2f} ({c:.2f})" for r, c in weekly(sim, strategy, args.weeks)
                )
                label = f"{name}{' (held-out)' if held_out else ''}"
                out.write(f"| {label} | {seed} | {strategy} | {cells} |\n")
                out.flush()


if __name__ == "__main__":
    main()
