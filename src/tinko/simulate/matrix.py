"""Every world x every strategy x several seeds in one table: the honest comparison.

The worlds are the shipped scenarios (the only ones anyone may tune the engine on) and the
held-out development set (``scenarios/heldout/``), each scaled to the same number of failures.
For each world and strategy the table gives the revenue-weighted oracle share per seed, the
mean of the other figures and the network-rule violations summed over the seeds; for each
world, Tinko against the strongest baseline per seed.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from tinko.simulate.report import to_json
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario, heldout_scenarios, load_scenario

TUNED: Final = ("india_d2c", "us_saas", "marketplace")  # demo.yaml is india_d2c's, sized down


@dataclass
class WorldRuns:
    name: str
    held_out: bool
    runs: list[dict[str, Any]] = field(default_factory=list)  # to_json per seed


def worlds() -> list[tuple[str, bool, Scenario]]:
    folder = resources.files("tinko.simulate") / "scenarios"
    out = [(n, False, load_scenario(Path(str(folder / f"{n}.yaml")))) for n in TUNED]
    for name in heldout_scenarios():
        out.append((name, True, load_scenario(Path(str(folder / "heldout" / f"{name}.yaml")))))
    return out


def run_matrix(
    chosen: Sequence[tuple[str, bool, Scenario]],
    seeds: Sequence[int],
    failures: int,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[WorldRuns]:
    out = []
    for name, held_out, scenario in chosen:
        customers = max(1, round(failures * scenario.customers / scenario.failures))
        scaled = scenario.with_failures(failures, customers)
        world = WorldRuns(name, held_out)
        for seed in seeds:
            if progress is not None:
                progress(f"{name} seed {seed}")
            world.runs.append(to_json(simulate(scaled, seed, workers=workers)))
        out.append(world)
    return out


def _mean(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{statistics.fmean(present):.2f}" if present else "-"


def _span(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "-"
    low, high = min(present), max(present)
    return f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"


def markdown(results: list[WorldRuns], seeds: Sequence[int], failures: int) -> str:
    """One Markdown table (world x strategy), then Tinko against the strongest baseline."""
    head = (
        "| world | set | strategy | oracle share (revenue), seeds "
        + ", ".join(str(s) for s in seeds)
        + " | oracle share (count) | retries / rec. | messages / rec. | opt-outs / rec. "
        "| net ÷ oracle revenue | violations |"
    )
    lines = [
        f"{failures} failures per world, seeds {', '.join(str(s) for s in seeds)}; "
        "figures after the per-seed revenue shares are means over the seeds.",
        "",
        head,
        "|" + "---|" * 10,
    ]
    for world in results:
        names = list(world.runs[0]["strategies"])
        for name in names:
            per = [r["strategies"][name] for r in world.runs]
            oracle = [r["oracle"]["recoverable_revenue"] for r in world.runs]
            net = [
                p["net_recovered_revenue"] / o if o else None
                for p, o in zip(per, oracle, strict=True)
            ]
            lines.append(
                f"| {world.name} | {'held-out' if world.held_out else 'tuned'} | {name} | "
                + " / ".join(f"{p['oracle_share']:.2f}" for p in per)
                + f" | {_mean([p['oracle_share_by_count'] for p in per])}"
                f" | {_mean([p['attempts_per_recovered'] for p in per])}"
                f" | {_mean([p['messages_per_recovered'] for p in per])}"
                f" | {_mean([p['opt_outs_per_recovered'] for p in per])}"
                f" | {_mean(net)}"
                f" | {sum(p['violations'] for p in per)} |"
            )
    lines += [
        "",
        "| world | set | strongest baseline (per seed) | Tinko ÷ strongest, revenue "
        "| net revenue | count share |",
        "|---|---|---|---|---|---|",
    ]
    for world in results:
        versus = [r["versus_strongest_baseline"] or {} for r in world.runs]
        lines.append(
            f"| {world.name} | {'held-out' if world.held_out else 'tuned'} | "
            + ", ".join(v.get("baseline", "-") for v in versus)
            + f" | {_span([v.get('revenue_ratio') for v in versus])}"
            f" | {_span([v.get('net_revenue_ratio') for v in versus])}"
            f" | {_span([v.get('count_share_ratio') for v in versus])} |"
        )
    return "\n".join(lines) + "\n"
