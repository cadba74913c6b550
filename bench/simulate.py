"""Simulator speed, and the honest comparison table.

Speed: the shipped marketplace scenario scaled to N failures (every strategy and the oracle,
as `tinko simulate` does); prints a table and one JSON line with the elapsed seconds and the
rate. The target is 100 000 failures in under a minute on 2 cores.

    .venv/bin/python -m bench.simulate [--failures 100000] [--workers 2] [--seed 1]

Matrix: every world (the shipped scenarios tuned on, and the held-out development set) x
every strategy x several seeds, in one Markdown table (docs/simulator.md keeps its output).

    .venv/bin/python -m bench.simulate --matrix [--failures 2000] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import resources
from pathlib import Path

from tinko.simulate.matrix import markdown, run_matrix, worlds
from tinko.simulate.run import simulate
from tinko.simulate.scenario import load_scenario


def _progress(what: str) -> None:
    sys.stderr.write(f"{what}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="marketplace")
    parser.add_argument("--matrix", action="store_true", help="every world x strategy x seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--worlds", nargs="+", default=None, help="only these worlds (matrix)")
    args = parser.parse_args()
    if args.matrix:
        failures = args.failures or 2000
        results = run_matrix(
            [w for w in worlds() if args.worlds is None or w[0] in args.worlds],
            args.seeds,
            failures,
            workers=args.workers,
            progress=_progress,
        )
        sys.stdout.write(markdown(results, args.seeds, failures))
        return
    failures = args.failures or 100_000
    source = resources.files("tinko.simulate") / "scenarios" / f"{args.scenario}.yaml"
    scenario = load_scenario(Path(str(source)))
    customers = max(1, round(failures * scenario.customers / scenario.failures))
    scenario = scenario.with_failures(failures, customers)
    began = time.perf_counter()
    sim = simulate(scenario, args.seed, workers=args.workers)
    elapsed = time.perf_counter() - began
    cases = failures * len(sim.results)
    row = {
        "bench": "simulate",
        "scenario": scenario.name,
        "failures": failures,
        "virtual_days": scenario.days,
        "window_days": scenario.window_days,
        "strategies": len(sim.results),
        "workers": args.workers,
        "elapsed_seconds": round(elapsed, 2),
        "failures_per_second": round(failures / elapsed),
        "cases_per_second": round(cases / elapsed),
    }
    width = max(len(k) for k in row)
    for key, value in row.items():
        sys.stdout.write(f"{key:<{width}}  {value}\n")
    sys.stdout.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
