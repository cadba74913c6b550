"""The last moment a retry can be sent and still settle inside the recovery window."""

from __future__ import annotations

from datetime import UTC, datetime

from tinko.recovery.settlement import last_send_moment

FRIDAY_END = datetime(2026, 6, 12, 15, 0, tzinfo=UTC)


def test_a_card_may_be_retried_until_the_window_ends() -> None:
    assert last_send_moment("card", FRIDAY_END) == FRIDAY_END


def test_an_ach_debit_must_leave_four_business_days_to_settle() -> None:
    assert last_send_moment("ach_debit", FRIDAY_END) == datetime(2026, 6, 8, 15, 0, tzinfo=UTC)


def test_weekends_do_not_count_as_settlement_days() -> None:
    monday_end = datetime(2026, 6, 15, 15, 0, tzinfo=UTC)
    assert last_send_moment("ach_debit", monday_end) == datetime(2026, 6, 9, 15, 0, tzinfo=UTC)
