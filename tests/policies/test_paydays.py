"""Pay calendars for ``paydays: auto`` (issue #16): which calendar, and which days it gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.recovery.facts import card_case
from tinko.policies.defaults import DefaultsError, default_policy, read_defaults
from tinko.policies.paydays import (
    CalendarError,
    calendar_for,
    last_of_pay_event,
    next_calendar_payday,
    pay_calendar_key,
    pay_events,
    pay_events_between,
    read_calendars,
)
from tinko.policies.windows import zone
from tinko.reasons.codes import ReasonCode
from tinko.reasons.render import explain
from tinko.recovery.planner import CaseFacts, PlannedStep, plan_next

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


def test_brazils_payday_is_the_fifth_business_day() -> None:
    # 2026-08-01 is a Saturday: the 5th Monday-to-Friday is Friday the 7th.
    found = next_calendar_payday(datetime(2026, 8, 1, tzinfo=UTC), "America/Sao_Paulo", "BR")
    assert _local(found.at, "America/Sao_Paulo") == (date(2026, 8, 7), time(9))


def test_mexicos_quincena_is_the_15th_and_the_last_day_before_a_weekend() -> None:
    # 2026-08-15 is a Saturday: paid Friday the 14th.
    dates = calendar_for("MXN").dates(date(2026, 8, 1), date(2026, 8, 31))
    assert [d for d, _ in dates] == [date(2026, 8, 14), date(2026, 8, 31)]


def test_a_business_day_some_months_do_not_have_is_refused() -> None:
    text = "calendars:\n  default:\n    monthly: [{business_day: 21}]\n"
    with pytest.raises(CalendarError, match="business_day 1-20"):
        read_calendars(text)


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
    return card_case(FAILED, **changes)


def test_the_planner_retries_on_the_calendars_next_payday() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    facts = _facts(timezone="Asia/Kolkata", pay_calendar="IN")
    [retry] = plan_next(facts, policy, (), None, [], FAILED).steps
    assert _local(retry.at, "Asia/Kolkata") == (date(2026, 7, 7), time(9))


def test_the_reason_names_the_calendar_and_renders_in_every_language() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    failed = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)  # four days before Japan's payday
    facts = _facts(failed_at=failed, timezone="Asia/Tokyo", pay_calendar="JP")
    [retry] = plan_next(facts, policy, (), None, [], failed).steps
    assert retry.why is not None
    assert retry.why["code"] == ReasonCode.PLANNED_ON_CALENDAR_PAYDAY
    assert (retry.why["params"]["calendar"], retry.why["params"]["pattern"]) == ("JP", "monthly")
    assert "Japan" in explain(retry.why, "en", timezone="Asia/Tokyo")
    assert "monthly pay date" in explain(retry.why, "en")
    assert explain(retry.why, "hi") != explain(retry.why, "ta")


# --- one mandate retry per pay event (decision 0021) ------------------------------------------

IST = "Asia/Kolkata"
FAR = datetime(2026, 12, 31, tzinfo=UTC)


def test_the_month_end_and_the_1st_are_one_pay_event() -> None:
    # 2026-07-31 is a Friday; the 7th of August a Friday too.
    dates = calendar_for("IN").dates(date(2026, 7, 20), date(2026, 8, 10))
    assert pay_events(dates) == [[date(2026, 7, 31), date(2026, 8, 1)], [date(2026, 8, 7)]]


def test_a_month_end_rolled_to_friday_and_a_monday_1st_are_one_pay_event() -> None:
    # 2026-05-31 is a Sunday: paid Friday the 29th; 2026-06-01 is the Monday after.
    dates = calendar_for("IN").dates(date(2026, 5, 20), date(2026, 6, 3))
    assert pay_events(dates) == [[date(2026, 5, 29), date(2026, 6, 1)]]


def test_the_pay_event_retry_is_on_its_last_day() -> None:
    found = last_of_pay_event(datetime(2026, 7, 20, tzinfo=UTC), IST, "IN", FAR)
    assert found is not None
    assert _local(found.at, IST) == (date(2026, 8, 1), time(9))
    assert found.pattern == "pay_event"


def test_a_pay_events_last_day_past_the_deadline_gives_its_earlier_day() -> None:
    deadline = datetime(2026, 7, 31, 12, 0, tzinfo=UTC)
    found = last_of_pay_event(datetime(2026, 7, 20, tzinfo=UTC), IST, "IN", deadline)
    assert found is not None
    assert _local(found.at, IST) == (date(2026, 7, 31), time(9))


def test_no_pay_event_before_the_deadline_gives_none() -> None:
    after = datetime(2026, 7, 20, tzinfo=UTC)
    assert last_of_pay_event(after, IST, "IN", after + timedelta(days=5)) is None


def _first_mandate_retry(method: str) -> PlannedStep:
    """The planned retry of a funds decline on a mandate, failed on 20 July in India."""
    policy = default_policy("insufficient_funds", method, "UTC")
    failed = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
    facts = _facts(
        payment_method_type=method,
        card_network=None,
        failed_at=failed,
        expires_at=failed + timedelta(days=28),
        timezone=IST,
        pay_calendar="IN",
    )
    [retry] = plan_next(facts, policy, (), None, [], failed).steps
    return retry


def test_the_planner_retries_a_mandate_on_the_last_day_of_the_pay_event() -> None:
    retry = _first_mandate_retry("emandate")
    assert _local(retry.at, IST) == (date(2026, 8, 1), time(9))


def test_a_card_too_retries_on_the_last_day_of_the_pay_event() -> None:
    # Decision 0025: a card's retries are few too (four for funds); 31 July and 1 August are
    # the same month's money.
    policy = default_policy("insufficient_funds", "card", "UTC")
    failed = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
    facts = _facts(
        failed_at=failed, expires_at=failed + timedelta(days=28), timezone=IST, pay_calendar="IN"
    )
    [retry] = plan_next(facts, policy, (), None, [], failed).steps
    assert _local(retry.at, IST) == (date(2026, 8, 1), time(9))


def test_the_pay_event_reason_says_once_per_payday_in_every_language() -> None:
    retry = _first_mandate_retry("upi")
    assert retry.why is not None
    assert retry.why["code"] == ReasonCode.PLANNED_ON_CALENDAR_PAYDAY
    assert retry.why["params"]["pattern"] == "pay_event"
    assert "once per payday" in explain(retry.why, "en", timezone=IST)
    assert len({explain(retry.why, lang, timezone=IST) for lang in ("en", "hi", "ta")}) == 3


# --- a card's retries between paydays (decision 0025) ------------------------------------------


def test_the_month_end_and_the_1st_count_as_one_pay_event_between_two_moments() -> None:
    first = datetime(2026, 7, 20, tzinfo=UTC)
    last = datetime(2026, 8, 10, tzinfo=UTC)
    # 31 July + 1 August, and 7 August: two pay events.
    assert pay_events_between(first, last, IST, "IN") == 2


def test_the_last_retry_waits_for_the_payday_rather_than_go_between() -> None:
    # One retry left and a pay event before the window ends: it is kept for the payday.
    policy = default_policy("insufficient_funds", "card", "UTC")
    failed = datetime(2026, 7, 8, 6, 0, tzinfo=UTC)
    facts = _facts(
        failed_at=failed,
        expires_at=failed + timedelta(days=28),
        timezone=IST,
        pay_calendar="IN",
        retries_done=3,
        last_retry_at=failed,
    )
    steps = plan_next(facts, policy, (), None, [], failed).steps
    [retry] = [step for step in steps if step.kind == "psp_retry"]
    assert _local(retry.at, IST) == (date(2026, 8, 1), time(9))
