"""How an export's dates are read: ISO 8601, slashed day- or month-first dates (the file's own
values decide which), Excel serial day numbers and Unix timestamps by magnitude, and the zone
a Stripe header names ("Created date (America/New_York)")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tinko.simulate.export_date_formats import suggested_format
from tinko.simulate.export_errors import BacktestError

# Razorpay's reports write day first (Indian convention); ISO and Unix seconds are tried first.
_DAY_FIRST: Final = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S")


_SLASHED: Final = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-]\d{4}")


def slash_order(texts: Iterable[str]) -> str | None:
    """``day`` or ``month`` first, as the file's own dates show (a part above 12 can only be
    a day); None when no date is written with slashes. Every slashed date ≤ 12/12 leaves it
    undecidable: BacktestError asks for --date-format rather than guessing."""
    firsts, seconds, slashed = [], [], []
    for text in texts:
        match = _SLASHED.match(text.strip())
        if match:
            firsts.append(int(match[1]))
            seconds.append(int(match[2]))
            slashed.append(text.strip())
    if not firsts:
        return None
    if max(firsts) > 12:
        return "day"
    if max(seconds) > 12:
        return "month"
    raise _ambiguous(slashed)


def _ambiguous(slashed: list[str]) -> BacktestError:
    """The error for dates that could be either order, with the --date-format that reads the
    most of them as written (with their time, seconds or AM/PM) day-first and month-first."""
    by_layout: dict[str | None, list[str]] = {}
    for text in slashed:
        by_layout.setdefault(suggested_format(text, "day"), []).append(text)
    day_first, examples = max(by_layout.items(), key=lambda item: len(item[1]))
    month_first = suggested_format(examples[0], "month")
    said = f"dates such as {examples[0]!r} could be day-first or month-first; give --date-format"
    if day_first is None or month_first is None:
        return BacktestError(f"{said} '%d/%m/%Y' (or '%d/%m/%Y %H:%M:%S') or '%m/%d/%Y'")
    return BacktestError(f"{said} {day_first!r} (day first) or {month_first!r} (month first)")


# Digit-only dates are read by magnitude: Excel's serial day numbers (day 1 is 1900-01-01, so
# day 0 is 1899-12-30 with Excel's 1900 leap-year bug; "1/1/2008" is 39448, see
# https://support.microsoft.com/en-us/office/datevalue-function-df8b07d4-7761-4a93-bc33-b7471bbff252),
# else Unix seconds, milliseconds, microseconds or nanoseconds since 1970.
_EXCEL_DAY_ZERO: Final = date(1899, 12, 30)
_PLAUSIBLE: Final = (date(1990, 1, 1), date(2100, 12, 31))  # a payment outside is a typo
_EXCEL_SERIALS: Final = (
    (_PLAUSIBLE[0] - _EXCEL_DAY_ZERO).days,
    (_PLAUSIBLE[1] - _EXCEL_DAY_ZERO).days + 1,
)
_EPOCH_SCALES: Final = ((10**11, 1), (10**14, 10**3), (10**17, 10**6), (10**20, 10**9))
_NUMBER: Final = re.compile(r"\d+(\.\d+)?")


def _numeric_day(text: str) -> date:
    value = Decimal(text)
    if _EXCEL_SERIALS[0] <= value < _EXCEL_SERIALS[1]:
        return _EXCEL_DAY_ZERO + timedelta(days=int(value))
    scale = next((s for limit, s in _EPOCH_SCALES if value < limit), None)
    if scale is None:
        raise ValueError(f"{text} is too large for a date")
    try:  # fromtimestamp raises OverflowError or OSError past the platform's range
        return datetime.fromtimestamp(float(value / scale), UTC).date()
    except (OverflowError, OSError) as exc:
        raise ValueError(f"{text} is not a date") from exc


def read_day(
    raw: str, order: str | None = "day", layout: str | None = None, zone: tzinfo = UTC
) -> date:
    """The UTC day of ``raw``; a time without an offset is in ``zone`` (the column's)."""
    text = raw.strip()
    if layout is not None:
        moment = datetime.strptime(text, layout)  # noqa: DTZ007 (naive: the zone is set below)
    elif _NUMBER.fullmatch(text):
        return _checked(_numeric_day(text))
    else:
        moment = _text_moment(text, order)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return _checked(moment.astimezone(UTC).date())


class DateOutOfRange(ValueError):
    """A date that reads, but outside the years a payment can be in."""


def _checked(day: date) -> date:
    if not _PLAUSIBLE[0] <= day <= _PLAUSIBLE[1]:
        raise DateOutOfRange(f"{day} is not between {_PLAUSIBLE[0].year} and {_PLAUSIBLE[1].year}")
    return day


def _text_moment(text: str, order: str | None) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in _DAY_FIRST:
        if order == "month":
            pattern = pattern.replace("%d/%m", "%m/%d").replace("%d-%m", "%m-%d")
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 (the caller sets the zone)
        except ValueError:
            continue
    return datetime.fromisoformat(text[:10])


# Stripe's export names the zone of its dates in the header: "Created date (UTC)", "Created
# (UTC)", or the zone chosen when exporting, "Created date (America/New_York)".
_ZONED_DATE: Final = re.compile(r"created(?: date)?\s*\((?P<zone>[^)]+)\)", re.IGNORECASE)


def zoned_date_column(path: Path, header: list[str]) -> tuple[int, tzinfo] | None:
    """The index of the first date column whose header names a zone, and that zone."""
    for i, name in enumerate(header):
        match = _ZONED_DATE.fullmatch(name.strip())
        if match is None:
            continue
        zone = match["zone"].strip()
        if zone.upper() in ("UTC", "GMT"):
            return i, UTC
        try:
            return i, ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise BacktestError(
                f"{path}: the date column {name!r} names {zone!r}, not an IANA time zone"
            ) from None
    return None
