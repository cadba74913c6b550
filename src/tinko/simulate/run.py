"""A whole simulation: build the world, run every strategy over it, compute the oracle.

Strategies never interact, and customers only through their card's issuer (cards, messages
and opt-outs are per customer; Tinko holds retries to an issuer another payment saw down), so
the work splits into (strategy, shard of issuers) tasks that run in worker processes; the
results do not depend on how many workers there are.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tinko.policies.models import RetryPolicy
from tinko.rules import RuleSpec
from tinko.simulate.driver import Driver, StrategyResult
from tinko.simulate.outcomes import oracle_time
from tinko.simulate.scenario import Scenario
from tinko.simulate.strategies import Strategy, make_strategies
from tinko.simulate.world import DAY, World, build_world, epoch

Progress = Callable[[float, float], None]  # (virtual days done, total)


@dataclass
class Simulation:
    scenario: Scenario
    seed: int
    world: World
    oracle: dict[int, float]  # failure index → earliest moment it could be collected
    results: dict[str, StrategyResult]
    elapsed_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


# Set before the worker pool forks, so workers inherit the world instead of unpickling it.
_SHARED: dict[str, Any] = {}


def _oracle_task(job: tuple[int, int]) -> dict[int, float]:
    shard, shards = job
    world: World = _SHARED["world"]
    return {
        f.index: moment
        for f in world.failures[shard::shards]
        if (moment := oracle_time(world, f)) is not None
    }


def _task(job: tuple[int, int, int, int]) -> StrategyResult:
    task_id, strategy_index, shard, shards = job
    world: World = _SHARED["world"]
    strategy: Strategy = _SHARED["strategies"][strategy_index]
    days: Any = _SHARED.get("days")
    start = epoch(world.scenario.start)

    def report(at: float) -> None:
        if days is not None:
            days[task_id] = (at - start) / DAY

    # By issuer: every customer of an issuer in one shard, as one merchant would see them.
    failures = [f for f in world.failures if f.customer.issuer % shards == shard]
    return Driver(world, strategy, report).run(failures)


def simulate(
    scenario: Scenario,
    seed: int,
    *,
    policy: RetryPolicy | None = None,
    rules: Sequence[RuleSpec] = (),
    workers: int | None = None,
    progress: Progress | None = None,
    learned: bool = False,
) -> Simulation:
    began = time.perf_counter()
    world = build_world(scenario, seed)
    strategies = make_strategies(
        scenario.merchant_timezone, scenario.window_days, policy, rules, seed, learned
    )
    workers = workers or min(os.cpu_count() or 1, 4)
    if scenario.failures < 2_000:
        workers = 1  # forking costs more than it saves
    total_days = float(scenario.days + scenario.window_days)
    # A strategy that learns across customers (learned timing) runs over all of them at once.
    parts = [
        (i, shard, shards)
        for i, strategy in enumerate(strategies)
        for shards in [1 if getattr(strategy, "couples_customers", False) else workers]
        for shard in range(shards)
    ]
    jobs = [(n, i, shard, shards) for n, (i, shard, shards) in enumerate(parts)]
    _SHARED.update(world=world, strategies=strategies)
    try:
        if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
            results = _sequential(jobs, world, strategies, total_days, progress)
            oracle = _oracle_task((0, 1))
        else:
            results, oracle = _parallel(jobs, workers, total_days, progress)
    finally:
        _SHARED.clear()
    merged: dict[str, StrategyResult] = {}
    for (_, index, _, _), result in zip(jobs, results, strict=True):
        name = strategies[index].name
        merged.setdefault(name, StrategyResult(name)).merge(result)
    return Simulation(scenario, seed, world, oracle, merged, time.perf_counter() - began)


def _sequential(
    jobs: list[tuple[int, int, int, int]],
    world: World,
    strategies: Sequence[Strategy],
    total_days: float,
    progress: Progress | None,
) -> list[StrategyResult]:
    start = epoch(world.scenario.start)
    results = []
    for n, (_, index, _, _) in enumerate(jobs):
        done = n * total_days

        def report(at: float, done: float = done) -> None:
            if progress is not None:
                progress(done + (at - start) / DAY, total_days * len(jobs))

        results.append(Driver(world, strategies[index], report).run(world.failures))
    if progress is not None:
        progress(total_days * len(jobs), total_days * len(jobs))
    return results


def _parallel(
    jobs: list[tuple[int, int, int, int]],
    workers: int,
    total_days: float,
    progress: Progress | None,
) -> tuple[list[StrategyResult], dict[int, float]]:
    context = multiprocessing.get_context("fork")
    days = context.Array("d", len(jobs), lock=False)
    _SHARED["days"] = days
    with context.Pool(workers) as pool:
        pending = pool.map_async(_task, jobs, chunksize=1)
        bounds = pool.map_async(_oracle_task, [(s, workers) for s in range(workers)])
        while not pending.ready():
            pending.wait(0.2)
            if progress is not None:
                progress(min(sum(days), total_days * len(jobs)), total_days * len(jobs))
        results: list[StrategyResult] = pending.get()
        oracle: dict[int, float] = {}
        for part in bounds.get():
            oracle.update(part)
    if progress is not None:
        progress(total_days * len(jobs), total_days * len(jobs))
    return results, oracle
