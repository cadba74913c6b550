"""Kaplan-Meier, the uplift interval and the readiness rule, against worked examples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tinko.analytics.sqltime import offsets
from tinko.analytics.survival import kaplan_meier, median_hours
from tinko.analytics.uplift import Arm, newcombe, uplift, wilson


def test_kaplan_meier_censors_cases_not_recovered() -> None:
    # 6 cases: recovered at 1, 2, 2 h; censored at 1, 3, 4 h.
    steps = kaplan_meier([(1, 1, 1), (2, 2, 0), (3, 0, 1), (4, 0, 1)])
    assert [(s.hours, s.at_risk) for s in steps] == [(1, 6), (2, 4), (3, 2), (4, 1)]
    # S(1) = 5/6; S(2) = 5/6 * 2/4 = 5/12.
    assert [s.still_unrecovered for s in steps] == [0.833333, 0.416667, 0.416667, 0.416667]
    assert median_hours(steps) == 2


def test_newcombe_matches_the_published_example() -> None:
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> 0.0524 to 0.3339.
    lower, upper = newcombe(Arm(70, 56), Arm(80, 48))
    assert (round(lower, 4), round(upper, 4)) == (0.0524, 0.3339)
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("treated", "holdout", "status"),
    [
        (Arm(100, 40), Arm(29, 10), "in_progress"),  # too few settled
        (Arm(100, 40), Arm(40, 4), "in_progress"),  # too few recovered
        (Arm(100, 96), Arm(40, 20), "in_progress"),  # too few not recovered
        (Arm(100, 40), Arm(30, 5), "ready"),
    ],
)
def test_uplift_waits_for_enough_settled_cases(treated: Arm, holdout: Arm, status: str) -> None:
    result = uplift(treated, holdout)
    assert result["status"] == status
    assert (result["uplift_pp"] is None) == (status == "in_progress")


def test_time_zone_transitions_are_found_to_the_second() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    assert offsets("Asia/Kolkata", start, end) == [(start, 19800)]
    london = offsets("Europe/London", start, end)
    assert london[1:] == [
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 3600),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 0),
    ]
