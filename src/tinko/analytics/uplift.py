"""Uplift: treated recovery rate minus holdout recovery rate, in percentage points, with a
95 % interval (Newcombe's hybrid score interval, built from the two Wilson intervals: it
stays inside [-100, 100] and keeps its coverage for small or lopsided samples, where the
textbook Wald interval does not).

Only cases whose window has ended take part ("settled"): a case's outcome is whether it was
recovered within W. A segment's uplift is `in_progress` until each arm has at least
`MIN_SETTLED` settled cases with at least `MIN_EACH_OUTCOME` recovered and as many not
recovered: below that the interval is too wide to say anything and the usual np >= 5
condition for an approximately normal estimate does not hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

Z95: Final = 1.959963984540054
MIN_SETTLED: Final = 30
MIN_EACH_OUTCOME: Final = 5
RULE: Final = (
    f"in_progress until each arm has >= {MIN_SETTLED} cases whose window has ended, with >= "
    f"{MIN_EACH_OUTCOME} recovered and >= {MIN_EACH_OUTCOME} not recovered (np >= 5 both "
    "ways): fewer make a 95 % interval too wide to mean anything"
)


@dataclass(frozen=True)
class Arm:
    settled: int
    recovered: int

    @property
    def rate(self) -> float | None:
        return self.recovered / self.settled if self.settled else None

    @property
    def enough(self) -> bool:
        return (
            self.settled >= MIN_SETTLED
            and self.recovered >= MIN_EACH_OUTCOME
            and self.settled - self.recovered >= MIN_EACH_OUTCOME
        )


def wilson(recovered: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = recovered / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(treated: Arm, holdout: Arm) -> tuple[float, float]:
    """95 % interval of treated rate - holdout rate, as fractions."""
    p1, p2 = treated.rate or 0.0, holdout.rate or 0.0
    l1, u1 = wilson(treated.recovered, treated.settled)
    l2, u2 = wilson(holdout.recovered, holdout.settled)
    diff = p1 - p2
    lower = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def uplift(treated: Arm, holdout: Arm) -> dict[str, object]:
    """One segment's comparison, as the API shows it."""
    out: dict[str, object] = {
        "treated": _arm(treated),
        "holdout": _arm(holdout),
        "status": "ready" if treated.enough and holdout.enough else "in_progress",
        "uplift_pp": None,
        "ci95_pp": None,
    }
    if out["status"] == "ready":
        lower, upper = newcombe(treated, holdout)
        out["uplift_pp"] = round(100 * ((treated.rate or 0) - (holdout.rate or 0)), 2)
        out["ci95_pp"] = [round(100 * lower, 2), round(100 * upper, 2)]
    return out


def _arm(arm: Arm) -> dict[str, object]:
    rate = arm.rate
    return {
        "settled": arm.settled,
        "recovered": arm.recovered,
        "rate": round(rate, 4) if rate is not None else None,
    }
