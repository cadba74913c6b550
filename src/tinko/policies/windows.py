"""Allowed retry windows, quiet hours and paydays.

Everything is computed in the window's local time with zoneinfo, so "09:00" stays 09:00 across
DST changes. Instants are always aware; nothing here reads the wall clock.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The local hour of a payday retry: after the morning's salary credits, inside business hours.
PAYDAY_HOUR: Final = 9
ALL_DAYS: Final = frozenset(range(7))
WORKDAYS: Final = frozenset(range(5))
# "24:00": a range ending at the end of the day. time.max is the only time after 23:59.
END_OF_DAY: Final = time.max
PRESETS: Final = ("anytime", "business_hours", "weekdays", "custom")

# A weekly pattern always has an allowed instant within a week; the extra days absorb DST
# shifts and zones that once skipped a whole calendar day (Pacific/Apia, 2011-12-30).
_SEARCH_DAYS: Final = 15
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError for anything zoneinfo cannot load."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


class WindowError(ValueError):
    """A window spec that fails validation; ``loc`` is the 422 location of the bad value."""

    def __init__(self, loc: tuple[str | int, ...], msg: str) -> None:
        super().__init__(f"{'.'.join(str(part) for part in loc)}: {msg}")
        self.loc = loc
        self.msg = msg


@dataclass(frozen=True, slots=True)
class TimeRange:
    days: frozenset[int]  # 0 = Monday … 6 = Sunday
    start: time  # local, inclusive
    end: time  # local, exclusive; END_OF_DAY means 24:00

    def __post_init__(self) -> None:
        if not self.days or not self.days <= ALL_DAYS:
            raise ValueError(f"days must be a non-empty subset of 0..6, got {sorted(self.days)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("range times are local wall-clock times, without tzinfo")
        if self.start == END_OF_DAY or self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")

    def contains(self, weekday: int, clock: time) -> bool:
        return (
            weekday in self.days
            and self.start <= clock
            and (self.end == END_OF_DAY or clock < self.end)
        )


@dataclass(frozen=True, slots=True)
class WindowSpec:
    timezone: str  # IANA
    allowed: tuple[TimeRange, ...]  # empty means anytime
    preset: str | None = None

    def __post_init__(self) -> None:
        zone(self.timezone)
        if self.preset is not None and self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}")


_PRESET_RANGES: Final[Mapping[str, tuple[TimeRange, ...]]] = {
    "anytime": (),
    "business_hours": (TimeRange(WORKDAYS, time(9), time(18)),),
    "weekdays": (TimeRange(WORKDAYS, time(0), END_OF_DAY),),
}

# NPCI: UPI AutoPay mandates execute only outside 10:00-13:00 and 17:00-21:30 IST (2025-08-01).
# The guard reads the same window from guard/network_rules.yaml; a test keeps the two equal.
UPI_AUTOPAY_NON_PEAK: Final = WindowSpec(
    timezone="Asia/Kolkata",
    allowed=(
        TimeRange(ALL_DAYS, time(0), time(10)),
        TimeRange(ALL_DAYS, time(13), time(17)),
        TimeRange(ALL_DAYS, time(21, 30), END_OF_DAY),
    ),
    preset="custom",
)


# --- parsing ------------------------------------------------------------------------------


def parse_window_spec(
    data: Mapping[str, object], *, loc: tuple[str | int, ...] = ("windows",)
) -> WindowSpec:
    """Validate the API shape ``{timezone, preset?, allowed: [{days, start, end}]}``."""
    if not isinstance(data, Mapping):
        raise WindowError(loc, "must be an object")
    for key in data:
        if key not in ("timezone", "preset", "allowed"):
            raise WindowError((*loc, str(key)), "unknown field")
    if "timezone" not in data:
        raise WindowError((*loc, "timezone"), "field required")
    timezone = data["timezone"]
    if not isinstance(timezone, str):
        raise WindowError((*loc, "timezone"), "must be an IANA time zone name")
    try:
        zone(timezone)
    except ValueError:
        raise WindowError((*loc, "timezone"), f"unknown time zone {timezone!r}") from None
    preset = data.get("preset")
    if preset is not None and preset not in PRESETS:
        raise WindowError((*loc, "preset"), f"must be one of {', '.join(PRESETS)}")
    raw = data.get("allowed")
    if raw is None:
        raw = []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise WindowError((*loc, "allowed"), "must be a list of ranges")
    ranges = tuple(_parse_range(item, (*loc, "allowed", i)) for i, item in enumerate(raw))
    if isinstance(preset, str) and preset in _PRESET_RANGES:
        expected = _PRESET_RANGES[preset]
        # A dict we rendered ourselves carries the expanded preset: accept it unchanged.
        if ranges and set(ranges) != set(expected):
            raise WindowError((*loc, "allowed"), f"must be empty when preset is {preset!r}")
        ranges = expected
    elif preset == "custom" and not ranges:
        raise WindowError((*loc, "allowed"), "a custom window needs at least one range")
    return WindowSpec(timezone=timezone, allowed=ranges, preset=preset)


def _parse_range(item: object, loc: tuple[str | int, ...]) -> TimeRange:
    if not isinstance(item, Mapping):
        raise WindowError(loc, "must be an object with days, start and end")
    for key in item:
        if key not in ("days", "start", "end"):
            raise WindowError((*loc, str(key)), "unknown field")
    for key in ("days", "start", "end"):
        if key not in item:
            raise WindowError((*loc, key), "field required")
    days = _parse_days(item["days"], (*loc, "days"))
    start = _parse_time(item["start"], (*loc, "start"), allow_24=False)
    end = _parse_time(item["end"], (*loc, "end"), allow_24=True)
    if end <= start:
        raise WindowError((*loc, "end"), "must be later than start (split overnight ranges in two)")
    return TimeRange(days=days, start=start, end=end)


def _parse_days(value: object, loc: tuple[str | int, ...]) -> frozenset[int]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise WindowError(loc, "must be a non-empty list of days")
    days: set[int] = set()
    for i, day in enumerate(value):
        if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6:
            days.add(day)
        elif isinstance(day, str) and day.lower() in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(day.lower()))
        else:
            raise WindowError((*loc, i), "must be 0-6 (0 = Monday) or one of mon..sun")
    return frozenset(days)


def _parse_time(value: object, loc: tuple[str | int, ...], *, allow_24: bool) -> time:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise WindowError(loc, 'must be a time "HH:MM"')
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if allow_24 and (hour, minute, second) == (24, 0, 0):
        return END_OF_DAY
    if hour > 23 or minute > 59 or second > 59:
        raise WindowError(loc, 'must be a time "HH:MM" between 00:00 and 23:59')
    return time(hour, minute, second)


def window_spec_to_dict(spec: WindowSpec) -> dict[str, object]:
    out: dict[str, object] = {"timezone": spec.timezone}
    if spec.preset is not None:
        out["preset"] = spec.preset
    out["allowed"] = [
        {"days": sorted(r.days), "start": _format_time(r.start), "end": _format_time(r.end)}
        for r in spec.allowed
    ]
    return out


def _format_time(value: time) -> str:
    if value == END_OF_DAY:
        return "24:00"
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


# --- evaluation ---------------------------------------------------------------------------


def is_allowed(moment: datetime, spec: WindowSpec) -> bool:
    _require_aware(moment, "moment")
    if not spec.allowed:
        return True
    local = moment.astimezone(zone(spec.timezone))
    weekday, clock = local.weekday(), local.time()
    return any(r.contains(weekday, clock) for r in spec.allowed)


def next_allowed(after: datetime, spec: WindowSpec) -> datetime:
    """The first instant ≥ ``after`` inside an allowed range, in ``after``'s time zone.

    An allowed stretch can only begin where the local clock reaches a range start (on either
    side of a fall-back fold) or where the clock jumps at a DST change (a start inside a
    spring-forward gap opens at the jump). So we try those instants in order.
    """
    _require_aware(after, "after")
    if is_allowed(after, spec):
        return after
    tz = zone(spec.timezone)
    origin = after.astimezone(UTC)
    first_day = origin.astimezone(tz).date()
    # Most windows open again within a day: look at the next few days first. Every candidate
    # of a later day lies beyond ``_NEAR``, so a first hit before it is the answer.
    found = _first_allowed(origin, first_day, _NEAR_DAYS, tz, spec)
    if found is None or found > origin + _NEAR:
        found = _first_allowed(origin, first_day, _SEARCH_DAYS, tz, spec)
    if found is None:
        raise AssertionError(f"no allowed instant within {_SEARCH_DAYS} days of {after}")
    return found.astimezone(after.tzinfo)


# Candidates from day ``_NEAR_DAYS + 1`` on start at local midnight of a day at least
# ``_NEAR_DAYS`` days after the origin's; no UTC offset moves by a day.
_NEAR_DAYS: Final = 2
_NEAR: Final = timedelta(days=_NEAR_DAYS - 1)


def _first_allowed(
    origin: datetime, first_day: date, days: int, tz: tzinfo, spec: WindowSpec
) -> datetime | None:
    """The earliest allowed candidate ≥ ``origin`` among range starts of local days -1 to
    ``days`` and the zone's transitions in the next ``days + 2`` days."""
    candidates: set[datetime] = set()
    for offset in range(-1, days + 1):
        day = first_day + timedelta(days=offset)
        for r in spec.allowed:
            if day.weekday() in r.days:
                local = datetime.combine(day, r.start, tzinfo=tz)
                candidates.add(local.astimezone(UTC))
                candidates.add(local.replace(fold=1).astimezone(UTC))
    candidates.update(_transitions(origin, origin + timedelta(days=days + 2), tz))
    for candidate in sorted(candidates):
        if candidate >= origin and is_allowed(candidate, spec):
            return candidate
    return None


def quiet_hours_end(
    moment: datetime, timezone: str, quiet_start: time, quiet_end: time
) -> datetime:
    """If ``moment`` is inside quiet hours (``quiet_start`` to ``quiet_end`` local, possibly
    wrapping midnight), the moment they end; otherwise ``moment`` itself."""
    _require_aware(moment, "moment")
    if quiet_start == quiet_end:
        return moment  # an empty quiet period
    return next_allowed(moment, _outside_quiet_hours(timezone, quiet_start, quiet_end))


@functools.lru_cache(maxsize=256)
def _outside_quiet_hours(timezone: str, quiet_start: time, quiet_end: time) -> WindowSpec:
    """The window outside quiet hours (built once per policy: planning asks for it often)."""
    if quiet_start < quiet_end:
        pieces = [(time(0), quiet_start), (quiet_end, END_OF_DAY)]
    else:  # wraps midnight, e.g. 21:00-08:00: the day is allowed from 08:00 to 21:00
        pieces = [(quiet_end, quiet_start)]
    ranges = tuple(TimeRange(ALL_DAYS, a, b) for a, b in pieces if a < b)
    if not ranges:
        raise ValueError("quiet hours cover the whole day")
    return WindowSpec(timezone=timezone, allowed=ranges)


def next_payday_moment(
    after: datetime,
    timezone: str,
    paydays: Sequence[int] = (1, 15, -1),
    hour: int = PAYDAY_HOUR,
) -> datetime:
    """The next payday (day of month; -1 = last day; days past the month end clamp to it) at
    ``hour`` local time, ≥ ``after``. Funds failures clear more often just after paydays."""
    _require_aware(after, "after")
    if not paydays or any(d != -1 and not 1 <= d <= 31 for d in paydays):
        raise ValueError(f"paydays must be days 1-31 or -1, got {list(paydays)}")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0-23, got {hour}")
    tz = zone(timezone)
    local = after.astimezone(tz)
    year, month = local.year, local.month
    for _ in range(3):
        last = calendar.monthrange(year, month)[1]
        for day in sorted({last if d == -1 else min(d, last) for d in paydays}):
            moment = resolve_local(datetime(year, month, day, hour, tzinfo=tz))
            if moment >= after:
                return moment.astimezone(after.tzinfo)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a payday always falls within two months")


def resolve_local(local: datetime) -> datetime:
    """A local wall time as a UTC instant: the first of two in a fall-back fold, and the
    moment the clock jumps for a time that does not exist (spring-forward gap)."""
    if not isinstance(local.tzinfo, ZoneInfo):
        raise ValueError("resolve_local needs a datetime carrying a ZoneInfo")
    tz = local.tzinfo
    first = local.replace(fold=0).astimezone(UTC)
    if _wall(first.astimezone(tz)) == _wall(local):
        return first
    # In a gap fold=0 reads the time with the offset before the jump and fold=1 with the one
    # after, so the jump lies between the two readings.
    return _transition_between(local.replace(fold=1).astimezone(UTC), first, tz)


def _wall(moment: datetime) -> tuple[date, time]:
    return moment.date(), moment.time()


def _transitions(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """UTC instants in (start, end] where the zone's UTC offset changes (one per day at most)."""
    found: list[datetime] = []
    lo = start.replace(microsecond=0)
    while lo < end:
        hi = lo + timedelta(days=1)
        if lo.astimezone(tz).utcoffset() != hi.astimezone(tz).utcoffset():
            found.append(_transition_between(lo, hi, tz))
        lo = hi
    return found


def _transition_between(lo: datetime, hi: datetime, tz: tzinfo) -> datetime:
    """The first whole second after ``lo`` (≤ ``hi``) with a different UTC offset than ``lo``."""
    lo = lo.replace(microsecond=0)
    base = lo.astimezone(tz).utcoffset()
    low, high = 0, int((hi - lo).total_seconds()) + 1
    while high - low > 1:
        mid = (low + high) // 2
        if (lo + timedelta(seconds=mid)).astimezone(tz).utcoffset() == base:
            low = mid
        else:
            high = mid
    return lo + timedelta(seconds=high)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
