"""Simulator speed: 100 000 failures over 60 virtual days through the real engine.

Runs the shipped marketplace scenario scaled to N failures (all three strategies and the
oracle, as `tinko simulate` does) and prints a table and one JSON line with the elapsed
seconds and the rate. The target is under a minute on 2 cores.

    .venv/bin/python -m bench.simulate [--failures 100000] [--workers 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import resources
from pathlib import Path

from tinko.simulate.run import simulate
from tinko.simulate.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="marketplace")
    args = parser.parse_args()
    source = resources.files("tinko.simulate") / "scenarios" / f"{args.scenario}.yaml"
    scenario = load_scenario(Path(str(source)))
    customers = max(1, round(args.failures * scenario.customers / scenario.failures))
    scenario = scenario.with_failures(args.failures, customers)
    began = time.perf_counter()
    sim = simulate(scenario, args.seed, workers=args.workers)
    elapsed = time.perf_counter() - began
    cases = args.failures * len(sim.results)
    row = {
        "bench": "simulate",
        "scenario": scenario.name,
        "failures": args.failures,
        "virtual_days": scenario.days,
        "window_days": scenario.window_days,
        "strategies": len(sim.results),
        "workers": args.workers,
        "elapsed_seconds": round(elapsed, 2),
        "failures_per_second": round(args.failures / elapsed),
        "cases_per_second": round(cases / elapsed),
    }
    width = max(len(k) for k in row)
    for key, value in row.items():
        sys.stdout.write(f"{key:<{width}}  {value}\n")
    sys.stdout.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
