"""Pay calendars for ``paydays: auto`` (issue #16): which calendar, and which days it gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tinko.policies.defaults import DefaultsError, default_policy, read_defaults
from tinko.policies.paydays import (
    CalendarError,
    calendar_for,
    next_calendar_payday,
    pay_calendar_key,
    read_calendars,
)
from tinko.policies.windows import zone
from tinko.reasons.codes import ReasonCode
from tinko.reasons.render import explain
from tinko.recovery.planner import CaseFacts, plan_next

DEFAULTS = Path(__file__).parents[2] / "src/tinko/policies/data/default_policies.yaml"
CALENDARS = Path(__file__).parents[2] / "src/tinko/policies/data/pay_calendars.yaml"


def _local(at: datetime, tz: str) -> tuple[date, time]:
    local = at.astimezone(zone(tz))
    return local.date(), local.time()


def test_the_customers_country_chooses_the_calendar() -> None:
    assert pay_calendar_key("IN", "+1 415 555 0134", "USD") == "IN"


def test_without_a_country_the_phone_prefix_chooses() -> None:
    assert pay_calendar_key(None, "+81 3-1234-5678", "USD") == "JP"


def test_without_country_or_phone_the_merchants_zone_chooses() -> None:
    assert pay_calendar_key(None, None, "USD", "Asia/Kolkata") == "IN"


def test_the_currency_is_the_last_clue() -> None:
    assert pay_calendar_key(None, None, "EUR") == "EUR"


def test_a_country_without_a_calendar_falls_back_to_its_currency() -> None:
    assert pay_calendar_key("ES", None, "EUR") == "EUR"


def test_nothing_known_gives_the_default_calendar() -> None:
    assert pay_calendar_key(None, None, "XAF") == "default"


def test_the_25th_on_a_sunday_is_paid_the_friday_before_in_japan() -> None:
    # 2026-10-25 is a Sunday.
    found = next_calendar_payday(datetime(2026, 10, 20, tzinfo=UTC), "Asia/Tokyo", "JP")
    assert _local(found.at, "Asia/Tokyo") == (date(2026, 10, 23), time(9))


def test_wages_by_the_7th_are_a_candidate_in_india() -> None:
    found = next_calendar_payday(datetime(2026, 7, 2, tzinfo=UTC), "Asia/Kolkata", "IN")
    assert (_local(found.at, "Asia/Kolkata")[0], found.pattern) == (date(2026, 7, 7), "monthly")


def test_biweekly_pay_makes_every_such_weekday_a_candidate() -> None:
    text = "calendars:\n  default:\n    monthly: [{day: -1}]\n    weekly: [{weekday: fri}]\n"
    cal = read_calendars(text)[0]["default"]
    dates = cal.dates(date(2026, 7, 1), date(2026, 7, 31))
    assert dates == [
        *[(date(2026, 7, d), "weekly") for d in (3, 10, 17, 24)],
        (date(2026, 7, 31), "monthly"),  # a Friday, named by the monthly pattern first
    ]


def test_the_default_calendar_keeps_the_1st_15th_and_last_day() -> None:
    cal = calendar_for(None)
    days = [d.day for d, _ in cal.dates(date(2026, 2, 1), date(2026, 2, 28))]
    assert days == [1, 15, 28]


def test_a_calendar_without_paydays_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"calendars\.XX"):
        read_calendars(CALENDARS.read_text().replace("\ncalendars:\n", "\ncalendars:\n  XX: {}\n"))


def test_the_calendars_file_cites_public_sources() -> None:
    header = CALENDARS.read_text().split("\ncalendars:")[0]
    assert header.count("https://") >= 8


def test_the_built_in_payday_policy_uses_the_pay_calendar() -> None:
    assert default_policy("insufficient_funds", "card", "UTC").paydays == "auto"


def test_a_paydays_value_that_is_neither_auto_nor_days_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "default_policies.yaml"
    path.write_text(DEFAULTS.read_text().replace("paydays: auto", "paydays: sometimes", 1))
    with pytest.raises(DefaultsError, match=r"profiles\.payday\.paydays"):
        read_defaults(path)


FAILED = datetime(2026, 7, 2, 6, 0, tzinfo=UTC)


def _facts(**changes: object) -> CaseFacts:
    facts = CaseFacts(
        category="insufficient_funds",
        retryable=True,
        cooldown_seconds=0,
        visa_category=None,
        merchant_advice_code=None,
        payment_method_type="card",
        payment_method_ref="pm_1",
        card_network="visa",
        failed_at=FAILED,
        expires_at=FAILED + timedelta(days=28),
        retries_done=0,
        last_retry_at=None,
        messages_sent=0,
        last_message_at=None,
        reachable_channels=("email",),
        pending_kinds=frozenset(),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def test_the_planner_retries_on_the_calendars_next_payday() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    facts = _facts(timezone="Asia/Kolkata", pay_calendar="IN")
    [retry] = plan_next(facts, policy, (), None, [], FAILED).steps
    assert _local(retry.at, "Asia/Kolkata") == (date(2026, 7, 7), time(9))


def test_the_reason_names_the_calendar_and_renders_in_every_language() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    facts = _facts(timezone="Asia/Tokyo", pay_calendar="JP")
    [retry] = plan_next(facts, policy, (), None, [], FAILED).steps
    assert retry.why is not None
    assert retry.why["code"] == ReasonCode.PLANNED_ON_CALENDAR_PAYDAY
    assert (retry.why["params"]["calendar"], retry.why["params"]["pattern"]) == ("JP", "monthly")
    assert "Japan" in explain(retry.why, "en", timezone="Asia/Tokyo")
    assert "monthly pay date" in explain(retry.why, "en")
    assert explain(retry.why, "hi") != explain(retry.why, "ta")
