"""Allowed windows, quiet hours and paydays: presets, DST, week wrap, validation, properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinko.policies.windows import (
    ALL_DAYS,
    END_OF_DAY,
    UPI_AUTOPAY_NON_PEAK,
    TimeRange,
    WindowError,
    WindowSpec,
    is_allowed,
    next_allowed,
    next_payday_moment,
    parse_window_spec,
    quiet_hours_end,
    window_spec_to_dict,
)

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def daily(tz: str, start: time, end: time) -> WindowSpec:
    return WindowSpec(timezone=tz, allowed=(TimeRange(ALL_DAYS, start, end),))


# --- presets ------------------------------------------------------------------------------


def test_business_hours_preset_expands_to_weekdays_nine_to_six() -> None:
    spec = parse_window_spec({"timezone": "Europe/London", "preset": "business_hours"})
    assert spec.allowed == (TimeRange(frozenset(range(5)), time(9), time(18)),)


def test_business_hours_exclude_saturday() -> None:
    spec = parse_window_spec({"timezone": "Europe/London", "preset": "business_hours"})
    saturday_noon = datetime(2026, 6, 6, 11, 0, tzinfo=UTC)  # 12:00 BST
    assert not is_allowed(saturday_noon, spec)


def test_business_hours_next_slot_after_friday_evening_is_monday_nine() -> None:
    spec = parse_window_spec({"timezone": "Europe/London", "preset": "business_hours"})
    friday_evening = datetime(2026, 6, 5, 19, 0, tzinfo=UTC)  # 20:00 BST
    assert next_allowed(friday_evening, spec) == datetime(2026, 6, 8, 8, 0, tzinfo=UTC)


def test_weekdays_preset_allows_monday_midnight() -> None:
    spec = parse_window_spec({"timezone": "UTC", "preset": "weekdays"})
    assert is_allowed(datetime(2026, 6, 8, 0, 0, tzinfo=UTC), spec)


def test_weekdays_preset_allows_the_last_instant_of_friday() -> None:
    spec = parse_window_spec({"timezone": "UTC", "preset": "weekdays"})
    assert is_allowed(datetime(2026, 6, 5, 23, 59, 59, 999999, tzinfo=UTC), spec)


def test_anytime_preset_allows_everything() -> None:
    spec = parse_window_spec({"timezone": "UTC", "preset": "anytime"})
    moment = datetime(2026, 6, 7, 3, 0, tzinfo=UTC)
    assert next_allowed(moment, spec) == moment


def test_preset_with_different_ranges_is_rejected() -> None:
    data = {
        "timezone": "UTC",
        "preset": "weekdays",
        "allowed": [{"days": [5], "start": "09:00", "end": "10:00"}],
    }
    with pytest.raises(WindowError) as exc:
        parse_window_spec(data)
    assert exc.value.loc == ("windows", "allowed")


def test_spec_round_trips_through_dict() -> None:
    data: dict[str, object] = {
        "timezone": "Asia/Kolkata",
        "allowed": [
            {"days": ["sun"], "start": "22:00", "end": "24:00"},
            {"days": [0, "tue"], "start": "00:00", "end": "06:30"},
        ],
    }
    spec = parse_window_spec(data)
    assert parse_window_spec(window_spec_to_dict(spec)) == spec


def test_preset_round_trips_through_dict() -> None:
    spec = parse_window_spec({"timezone": "UTC", "preset": "business_hours"})
    assert parse_window_spec(window_spec_to_dict(spec)) == spec


def test_end_of_day_renders_as_24_00() -> None:
    rendered = window_spec_to_dict(daily("UTC", time(21, 30), END_OF_DAY))
    assert rendered["allowed"] == [
        {"days": [0, 1, 2, 3, 4, 5, 6], "start": "21:30", "end": "24:00"}
    ]


# --- DST ----------------------------------------------------------------------------------


def test_local_start_follows_spring_forward() -> None:
    spec = daily("America/New_York", time(9), time(17))
    # Sunday 2026-03-08 clocks go 02:00 EST -> 03:00 EDT; 09:00 EDT is 13:00 UTC.
    assert next_allowed(datetime(2026, 3, 8, 5, 0, tzinfo=UTC), spec) == datetime(
        2026, 3, 8, 13, 0, tzinfo=UTC
    )


def test_start_in_spring_forward_gap_opens_at_the_jump() -> None:
    spec = daily("America/New_York", time(2, 30), time(5))
    before = datetime(2026, 3, 8, 1, 0, tzinfo=NY)
    assert next_allowed(before, spec) == datetime(2026, 3, 8, 3, 0, tzinfo=NY)


def test_range_entirely_inside_the_gap_is_skipped_that_day() -> None:
    spec = daily("America/New_York", time(2, 0), time(2, 45))
    before = datetime(2026, 3, 8, 1, 0, tzinfo=NY)
    assert next_allowed(before, spec) == datetime(2026, 3, 9, 2, 0, tzinfo=NY)


def test_fall_back_reenters_a_window_when_the_clock_repeats() -> None:
    spec = daily("America/New_York", time(0, 30), time(1, 15))
    # 01:20 EDT on 2026-11-01 (05:20 UTC); at 06:00 UTC the clock shows 01:00 EST again.
    after = datetime(2026, 11, 1, 5, 20, tzinfo=UTC)
    assert next_allowed(after, spec) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_local_start_follows_fall_back() -> None:
    spec = daily("America/New_York", time(9), time(17))
    # 09:00 EST on 2026-11-01 is 14:00 UTC (it was 13:00 UTC the day before).
    assert next_allowed(datetime(2026, 11, 1, 5, 0, tzinfo=UTC), spec) == datetime(
        2026, 11, 1, 14, 0, tzinfo=UTC
    )


def test_result_keeps_the_callers_time_zone() -> None:
    spec = daily("UTC", time(9), time(17))
    after = datetime(2026, 6, 1, 2, 0, tzinfo=KOLKATA)
    assert next_allowed(after, spec).tzinfo is KOLKATA


# --- week wrap ----------------------------------------------------------------------------

OVERNIGHT_SUNDAY = WindowSpec(
    timezone="Europe/Berlin",
    allowed=(
        TimeRange(frozenset({6}), time(22), END_OF_DAY),
        TimeRange(frozenset({0}), time(0), time(6)),
    ),
)


def test_overnight_range_allows_sunday_late_evening() -> None:
    sunday_2359 = datetime(2026, 6, 7, 23, 59, 59, tzinfo=ZoneInfo("Europe/Berlin"))
    assert is_allowed(sunday_2359, OVERNIGHT_SUNDAY)


def test_overnight_range_allows_monday_midnight() -> None:
    monday_0000 = datetime(2026, 6, 8, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert is_allowed(monday_0000, OVERNIGHT_SUNDAY)


def test_next_slot_from_monday_morning_wraps_to_next_sunday() -> None:
    monday_0700 = datetime(2026, 6, 8, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert next_allowed(monday_0700, OVERNIGHT_SUNDAY) == datetime(
        2026, 6, 14, 22, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )


# --- UPI non-peak -------------------------------------------------------------------------


def test_upi_non_peak_blocks_evening_peak() -> None:
    assert not is_allowed(datetime(2026, 6, 1, 18, 0, tzinfo=KOLKATA), UPI_AUTOPAY_NON_PEAK)


def test_upi_non_peak_opens_after_the_evening_peak_at_21_30() -> None:
    evening = datetime(2026, 6, 1, 18, 0, tzinfo=KOLKATA)
    expected = datetime(2026, 6, 1, 21, 30, tzinfo=KOLKATA)
    assert next_allowed(evening, UPI_AUTOPAY_NON_PEAK) == expected


def test_upi_non_peak_is_open_across_midnight() -> None:
    assert is_allowed(
        datetime(2026, 6, 1, 23, 59, 59, 999999, tzinfo=KOLKATA), UPI_AUTOPAY_NON_PEAK
    )


# --- quiet hours --------------------------------------------------------------------------


def test_quiet_hours_wrapping_midnight_end_next_morning() -> None:
    late = datetime(2026, 6, 1, 23, 0, tzinfo=KOLKATA)
    end = quiet_hours_end(late, "Asia/Kolkata", time(21), time(8))
    assert end == datetime(2026, 6, 2, 8, 0, tzinfo=KOLKATA)


def test_quiet_hours_wrapping_midnight_end_same_morning() -> None:
    early = datetime(2026, 6, 2, 6, 0, tzinfo=KOLKATA)
    end = quiet_hours_end(early, "Asia/Kolkata", time(21), time(8))
    assert end == datetime(2026, 6, 2, 8, 0, tzinfo=KOLKATA)


def test_outside_quiet_hours_returns_the_moment() -> None:
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=KOLKATA)
    assert quiet_hours_end(noon, "Asia/Kolkata", time(21), time(8)) == noon


def test_quiet_hours_not_wrapping_end_same_day() -> None:
    lunch = datetime(2026, 6, 2, 12, 30, tzinfo=UTC)
    assert quiet_hours_end(lunch, "UTC", time(12), time(14)) == datetime(
        2026, 6, 2, 14, 0, tzinfo=UTC
    )


def test_quiet_hours_end_uses_local_time_after_spring_forward() -> None:
    night = datetime(2026, 3, 8, 1, 0, tzinfo=NY)  # EST
    end = quiet_hours_end(night, "America/New_York", time(21), time(8))
    assert end == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT


# --- paydays ------------------------------------------------------------------------------


def test_payday_last_day_clamps_to_february_28() -> None:
    after = datetime(2026, 2, 16, 0, 0, tzinfo=UTC)
    assert next_payday_moment(after, "UTC") == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)


def test_payday_30_clamps_to_february_29_in_a_leap_year() -> None:
    after = datetime(2028, 2, 2, 0, 0, tzinfo=UTC)
    assert next_payday_moment(after, "UTC", paydays=(30,)) == datetime(
        2028, 2, 29, 9, 0, tzinfo=UTC
    )


def test_payday_31_clamps_to_april_30() -> None:
    after = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)
    assert next_payday_moment(after, "UTC", paydays=(31,)) == datetime(
        2026, 4, 30, 9, 0, tzinfo=UTC
    )


def test_payday_after_the_last_of_the_month_rolls_to_the_first() -> None:
    after = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)
    assert next_payday_moment(after, "UTC") == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


def test_payday_moment_itself_counts() -> None:
    payday = datetime(2026, 6, 15, 9, 0, tzinfo=KOLKATA)
    assert next_payday_moment(payday, "Asia/Kolkata") == payday


def test_payday_uses_local_hour() -> None:
    after = datetime(2026, 6, 14, 0, 0, tzinfo=UTC)
    assert next_payday_moment(after, "Asia/Kolkata", hour=9) == datetime(
        2026, 6, 15, 3, 30, tzinfo=UTC
    )


def test_payday_hour_in_spring_forward_gap_moves_to_the_jump() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    after = datetime(2024, 3, 20, 0, 0, tzinfo=berlin)
    # 2024-03-31 is the last day of March and the day 02:00 CET jumps to 03:00 CEST.
    assert next_payday_moment(after, "Europe/Berlin", paydays=(-1,), hour=2) == datetime(
        2024, 3, 31, 1, 0, tzinfo=UTC
    )


def test_payday_rejects_day_zero() -> None:
    with pytest.raises(ValueError, match="paydays"):
        next_payday_moment(datetime(2026, 6, 1, tzinfo=UTC), "UTC", paydays=(0,))


# --- validation ---------------------------------------------------------------------------


def _loc(data: dict[str, object]) -> tuple[str | int, ...]:
    with pytest.raises(WindowError) as exc:
        parse_window_spec(data)
    return exc.value.loc


def _one(**range_: object) -> dict[str, object]:
    item: dict[str, object] = {"days": [0], "start": "09:00", "end": "17:00"}
    item.update(range_)
    return {"timezone": "UTC", "allowed": [item]}


def test_unknown_timezone_points_at_timezone() -> None:
    assert _loc({"timezone": "Mars/Olympus", "allowed": []}) == ("windows", "timezone")


def test_missing_timezone_points_at_timezone() -> None:
    assert _loc({"allowed": []}) == ("windows", "timezone")


def test_end_before_start_points_at_end() -> None:
    assert _loc(_one(start="18:00", end="09:00")) == ("windows", "allowed", 0, "end")


def test_end_equal_to_start_points_at_end() -> None:
    assert _loc(_one(start="09:00", end="09:00")) == ("windows", "allowed", 0, "end")


def test_bad_day_points_at_the_day() -> None:
    assert _loc(_one(days=["mon", "funday"])) == ("windows", "allowed", 0, "days", 1)


def test_day_seven_is_rejected() -> None:
    assert _loc(_one(days=[7])) == ("windows", "allowed", 0, "days", 0)


def test_boolean_day_is_rejected() -> None:
    assert _loc(_one(days=[True])) == ("windows", "allowed", 0, "days", 0)


def test_empty_days_are_rejected() -> None:
    assert _loc(_one(days=[])) == ("windows", "allowed", 0, "days")


def test_bad_time_points_at_start() -> None:
    assert _loc(_one(start="9am")) == ("windows", "allowed", 0, "start")


def test_hour_25_is_rejected() -> None:
    assert _loc(_one(start="25:00")) == ("windows", "allowed", 0, "start")


def test_24_00_is_not_a_start() -> None:
    assert _loc(_one(start="24:00", end="24:00")) == ("windows", "allowed", 0, "start")


def test_unknown_preset_points_at_preset() -> None:
    assert _loc({"timezone": "UTC", "preset": "nights"}) == ("windows", "preset")


def test_custom_preset_needs_ranges() -> None:
    assert _loc({"timezone": "UTC", "preset": "custom", "allowed": []}) == ("windows", "allowed")


def test_unknown_top_level_key_points_at_it() -> None:
    assert _loc({"timezone": "UTC", "allowd": []}) == ("windows", "allowd")


def test_unknown_range_key_points_at_it() -> None:
    assert _loc(_one(stop="18:00")) == ("windows", "allowed", 0, "stop")


def test_missing_range_key_points_at_it() -> None:
    assert _loc({"timezone": "UTC", "allowed": [{"days": [0], "start": "09:00"}]}) == (
        "windows",
        "allowed",
        0,
        "end",
    )


def test_custom_loc_prefix_is_used() -> None:
    with pytest.raises(WindowError) as exc:
        parse_window_spec({"timezone": "Nowhere"}, loc=("body", "windows"))
    assert exc.value.loc == ("body", "windows", "timezone")


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_allowed(datetime(2026, 6, 1, 12, 0), UPI_AUTOPAY_NON_PEAK)  # noqa: DTZ001


# --- properties ---------------------------------------------------------------------------

# Zones whose offsets and DST changes all fall on quarter hours, with varied DST shapes:
# 30-minute DST (Lord Howe), changes at midnight (Santiago), 45-minute offsets (Chatham).
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
]
QUARTER = timedelta(minutes=15)


@st.composite
def time_ranges(draw: st.DrawFn) -> TimeRange:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start = draw(st.integers(0, 95))
    end = draw(st.integers(start + 1, 96))
    return TimeRange(days, _quarter(start), _quarter(end))


def _quarter(q: int) -> time:
    return END_OF_DAY if q == 96 else time(q // 4, q % 4 * 15)


specs = st.builds(
    WindowSpec,
    timezone=st.sampled_from(ZONES),
    allowed=st.lists(time_ranges(), max_size=4).map(tuple),
)
instants = st.datetimes(
    # hypothesis takes naive bounds and attaches the time zone itself
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@settings(deadline=None)
@given(spec=specs, after=instants)
def test_next_allowed_is_not_before_after(spec: WindowSpec, after: datetime) -> None:
    assert next_allowed(after, spec) >= after


@settings(deadline=None)
@given(spec=specs, after=instants)
def test_next_allowed_is_allowed(spec: WindowSpec, after: datetime) -> None:
    assert is_allowed(next_allowed(after, spec), spec)


@settings(deadline=None)
@given(spec=specs, after=instants)
def test_nothing_earlier_is_allowed(spec: WindowSpec, after: datetime) -> None:
    found = next_allowed(after, spec)
    # Every edge of an allowed stretch lies on a quarter hour in these zones, so checking the
    # quarter hours in [after, found) finds any earlier allowed instant.
    probe = after.replace(minute=after.minute // 15 * 15, second=0, microsecond=0)
    if probe < after:
        probe += QUARTER
    while probe < found:
        assert not is_allowed(probe, spec), probe
        probe += QUARTER
