"""Kaplan-Meier estimate of time to recover, with cases not (yet) recovered censored.

A case recovered after h hours is an event at h. Every other case is censored where our
knowledge of it ends: now for an open case, the end of its window for one closed as lost (it
was seen unrecovered for the whole window; a payment after W is not "recovered within W").
Pure: input is (hours, recovered, censored) counts per hour, grouped in the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    hours: int
    at_risk: int
    recovered: int
    censored: int
    still_unrecovered: float  # S(t): the estimated share not recovered by `hours`

    @property
    def recovered_share(self) -> float:
        return round(1 - self.still_unrecovered, 6)


def kaplan_meier(groups: Iterable[tuple[int, int, int]]) -> list[Step]:
    """Steps at each hour with an event or a censoring, from (hours, events, censored)."""
    by_hour: dict[int, list[int]] = {}
    for hours, events, censored in groups:
        slot = by_hour.setdefault(max(0, hours), [0, 0])
        slot[0] += events
        slot[1] += censored
    at_risk = sum(e + c for e, c in by_hour.values())
    survival = 1.0
    steps = []
    for hours in sorted(by_hour):
        events, censored = by_hour[hours]
        if at_risk > 0 and events:
            survival *= 1 - events / at_risk
        steps.append(Step(hours, at_risk, events, censored, round(survival, 6)))
        at_risk -= events + censored  # censored at h were at risk at h (the usual convention)
    return steps


def median_hours(steps: Iterable[Step]) -> int | None:
    """The first hour by which half the cases are estimated recovered; None if never."""
    return next((s.hours for s in steps if s.still_unrecovered <= 0.5), None)
