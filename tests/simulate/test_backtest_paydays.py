"""`tinko backtest --paydays`: what the flag accepts, and what it says when it cannot."""

from __future__ import annotations

import pytest

from tinko.simulate.backtest import BacktestError
from tinko.simulate.calibrate import paydays_income


def test_the_last_day_is_minus_one() -> None:
    assert paydays_income("-1") == [{"pattern": "monthly", "day": -1}]


@pytest.mark.parametrize("text", ["-2", "0", "32", "1,40"])
def test_a_day_outside_the_month_names_what_is_allowed(text: str) -> None:
    with pytest.raises(BacktestError, match="days are 1 to 31, or -1 for the last day"):
        paydays_income(text)
