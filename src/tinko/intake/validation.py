"""Checks on reported times that need the injected clock (the schema alone cannot know now)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tinko.errors import Unprocessable

# Merchant servers' clocks drift; a few minutes ahead is a clock, more is a bug.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Older failures are history, not recovery work (card networks count retries over 30 days).
MAX_AGE = timedelta(days=400)


def check_occurred_at(occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now + MAX_CLOCK_SKEW:
        raise Unprocessable(
            f"occurred_at is in the future ({occurred_at.isoformat()}); "
            "send the time the payment failed.",
            loc=["body", "occurred_at"],
        )
    if occurred_at < now - MAX_AGE:
        raise Unprocessable(
            f"occurred_at is more than {MAX_AGE.days} days ago; too old to recover.",
            loc=["body", "occurred_at"],
        )
