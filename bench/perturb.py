"""Worlds nobody tuned on: random perturbations of the shipped and held-out scenarios.

Each run takes one of the eight worlds and changes a few of its knobs at random (the
merchant's or the customers' time zone, the income pattern, issuer outages, the recovery
window, how willing and how tired customers are, poorer customers), then simulates Tinko and
the five baselines on it. It prints one row per world and, at the end, how often Tinko lost to
the strongest baseline and by how much. The outside check of issue #16 runs worlds written by
someone else; this is the nearest thing in the repository.

    .venv/bin/python -m bench.perturb [--count 40] [--seed 1] [--failures 1000]
        [--write DIR]   # keep each perturbed scenario as DIR/<n>.yaml to rerun it
        [--foreign-codes]   # also give some declines codes no classifier table knows

``--foreign-codes`` renames, in about half the worlds, each decline of the mix with a
chance of one in three to an opaque code of another PSP ("psp7_refusal_3"): the world keeps
its behaviour, the engine reads it as ``unknown`` (decision 0031). Without the flag the worlds
are the same as before it existed.

Same seed, same worlds. ``--write`` lets ``tinko simulate DIR/7.yaml`` or ``bench.gap``-style
digging reproduce any row.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tinko.simulate.matrix import TUNED
from tinko.simulate.report import to_json
from tinko.simulate.run import simulate
from tinko.simulate.scenario import heldout_scenarios
from tinko.simulate.scenario_read import read_document

ZONES = (
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Asia/Kolkata",
    "Asia/Kathmandu",  # +05:45
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
INCOMES: tuple[dict[str, Any], ...] = (
    {"pattern": "weekly", "weekday": "mon"},
    {"pattern": "weekly", "weekday": "sat"},
    {"pattern": "biweekly", "weekday": "tue"},
    {"pattern": "monthly", "day": 3},
    {"pattern": "monthly", "day": 10},
    {"pattern": "monthly", "day": 28},
    {"pattern": "twice_monthly", "days": [5, 20]},
    {"pattern": "irregular", "mean_days": 3},
    {"pattern": "irregular", "mean_days": 20},
)


def documents() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files("tinko.simulate") / "scenarios"
    found = [(name, folder / f"{name}.yaml") for name in TUNED]
    found += [(name, folder / "heldout" / f"{name}.yaml") for name in heldout_scenarios()]
    return [(name, yaml.safe_load(path.read_text(encoding="utf-8"))) for name, path in found]


def perturb(
    doc: dict[str, Any], rng: random.Random, failures: int, foreign: bool = False
) -> list[str]:
    """Change ``doc`` in place; return what was changed, in words."""
    doc["failures"] = failures
    doc["customers"] = round(failures * rng.choice((1.0, 0.7, 0.4)))
    changed: list[str] = []
    if rng.random() < 0.4:
        doc["merchant_timezone"] = rng.choice(ZONES)
        changed.append(f"merchant in {doc['merchant_timezone']}")
    if rng.random() < 0.4:
        zone = rng.choice(ZONES)
        for country in doc.get("countries", []):
            country["timezone"] = zone
        changed.append(f"customers in {zone}")
    if rng.random() < 0.4:
        doc["income"] = [dict(rng.choice(INCOMES))]
        changed.append("paid " + ", ".join(f"{k} {v}" for k, v in doc["income"][0].items()))
    if rng.random() < 0.4:
        low = rng.choice((0.5, 6.0, 24.0))
        doc["issuers"] = {
            "count": rng.choice((2, 5, 50)),
            "outages_per_30_days": rng.choice((0.5, 3.0, 8.0)),
            "outage_hours": {"min": low, "max": max(low, rng.choice((48.0, 120.0)))},
            "stop_links": rng.random() < 0.5,
        }
        issuers = doc["issuers"]
        changed.append(
            f"{issuers['count']} issuers, {issuers['outages_per_30_days']} outages a month "
            f"of {low:g}-{issuers['outage_hours']['max']:g} h"
        )
    if rng.random() < 0.3:
        doc["window_days"] = rng.choice((7, 14, 45, 60))
        changed.append(f"{doc['window_days']}-day window")
    if rng.random() < 0.3:
        responses = doc.setdefault("responses", {})
        responses["willingness"] = rng.choice((0.05, 0.6, 0.9))
        responses["fatigue"] = rng.choice((0.2, 0.9))
        changed.append(f"willingness {responses['willingness']}, fatigue {responses['fatigue']}")
    if rng.random() < 0.3:
        balance = doc.setdefault("balance", {})
        balance.pop("income", None)
        balance["income_multiple"] = {"min": 0.2, "max": rng.choice((1.0, 3.0))}
        balance["spend_share"] = {"min": 0.9, "max": 1.5}
        changed.append("poor customers")
    if foreign and rng.random() < 0.5:
        renamed = 0
        for n, item in enumerate(doc.get("failure_mix", [])):
            if rng.random() < 1 / 3 and item.get("behaviour") != "issuer_outage":
                item["code"] = f"psp7_refusal_{n}"
                item.pop("advice_code", None)
                renamed += 1
        if renamed:
            changed.append(f"{renamed} codes no classifier knows")
    return changed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--failures", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", type=Path, default=None)
    parser.add_argument("--foreign-codes", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    bases = documents()
    out = sys.stdout
    out.write(
        "| # | world | changed | Tinko ÷ oracle (revenue) | (count) | strongest baseline "
        "| Tinko ÷ it | retries / rec. | messages / rec. | violations |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    ratios: list[float] = []
    for n in range(args.count):
        name, base = rng.choice(bases)
        doc = yaml.safe_load(yaml.safe_dump(base))  # a deep copy
        changed = perturb(doc, rng, args.failures, args.foreign_codes)
        if args.write is not None:
            args.write.mkdir(parents=True, exist_ok=True)
            (args.write / f"{n}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
        report = to_json(simulate(read_document(doc), 1, workers=args.workers))
        tinko = report["strategies"]["tinko"]
        versus = report["versus_strongest_baseline"]
        ratio = versus["revenue_ratio"]
        if ratio is not None:
            ratios.append(ratio)
        out.write(
            f"| {n} | {name} | {'; '.join(changed) or 'failures only'} "
            f"| {tinko['oracle_share']:.3f} | {tinko['oracle_share_by_count']:.3f} "
            f"| {versus['baseline']} | {'-' if ratio is None else f'{ratio:.3f}'} "
            f"| {tinko['attempts_per_recovered']} | {tinko['messages_per_recovered']} "
            f"| {tinko['violations']} |\n"
        )
        out.flush()
    lost = sorted(r for r in ratios if r < 1.0)
    out.write(
        f"\n{len(ratios)} worlds with a baseline that recovered something; Tinko recovered "
        f"less revenue than the strongest baseline on {len(lost)}"
        + (f" (ratios {', '.join(f'{r:.3f}' for r in lost)})" if lost else "")
        + (f"; median ratio {sorted(ratios)[len(ratios) // 2]:.3f}.\n" if ratios else ".\n")
    )


if __name__ == "__main__":
    main()
