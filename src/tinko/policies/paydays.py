"""Pay calendars: when wages usually land in the customer's country (``paydays: auto``).

``data/pay_calendars.yaml`` (sources in its header) lists per country the monthly pay dates,
with the business-day roll each follows, and the weekdays of weekly or fortnightly pay. The
candidate paydays of a calendar are all of these at once: a retry on the next one reaches
the customers of every pattern the country uses, in the customer's time zone.

Which calendar: the customer's country, else the country of the phone number's prefix, else
the country of the merchant's time zone, else one named by the currency, else ``default``
(the same order as the customer's time zone, notify.zones).
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Final, Literal

import phonenumbers
from babel.core import get_global

from tinko.classifier.yamlio import parse_yaml
from tinko.policies.windows import PAYDAY_HOUR, WEEKDAY_NAMES, resolve_local, zone

_FILE: Final = "pay_calendars.yaml"
DEFAULT: Final = "default"
AUTO: Final = "auto"
Roll = Literal["none", "previous", "next"]
_ROLL_OF: Final[dict[str, Roll]] = {"none": "none", "previous": "previous", "next": "next"}
_ROLLS: Final = tuple(_ROLL_OF)
_SATURDAY: Final = 5
_MAX_BUSINESS_DAY: Final = 20  # every month has at least 20 weekdays
# Candidate paydays at most this many days apart are one pay event: a month-end salary rolled
# back to the Friday and the 1st after the weekend (India's last working day and 1st, the
# default calendar's last day and 1st) are the same month's money reaching different
# employees, so by the later day both have landed. Three days is the widest such pair (the
# last day on a Sunday rolls to Friday; the 1st is the Monday); the next candidate of any
# shipped calendar is at least four days away (India's 7th rolled to the 5th).
PAY_EVENT_DAYS: Final = 3


class CalendarError(ValueError):
    """``pay_calendars.yaml`` is malformed; the message names the entry."""


@dataclass(frozen=True, slots=True)
class MonthlyPay:
    day: int  # 1-31, -1 the last day; past the month's end clamps to it
    roll: Roll = "none"
    # The Nth Monday-to-Friday of the month instead of ``day`` (Brazil's "5th business day").
    business_day: int | None = None

    def date_in(self, year: int, month: int) -> date:
        if self.business_day is not None:
            on, counted = date(year, month, 1), 0
            while True:
                counted += on.weekday() < _SATURDAY
                if counted == self.business_day:
                    return on
                on += timedelta(days=1)
        last = calendar.monthrange(year, month)[1]
        on = date(year, month, last if self.day == -1 else min(self.day, last))
        if on.weekday() >= _SATURDAY and self.roll == "previous":
            return on - timedelta(days=on.weekday() - 4)
        if on.weekday() >= _SATURDAY and self.roll == "next":
            return on + timedelta(days=7 - on.weekday())
        return on


@dataclass(frozen=True, slots=True)
class PayCalendar:
    key: str  # the country (ISO 3166 alpha-2), currency or "default" it was filed under
    monthly: tuple[MonthlyPay, ...]
    weekdays: frozenset[int]  # 0 = Monday; weekly or fortnightly pay

    def dates(self, first: date, last: date) -> list[tuple[date, str]]:
        """Candidate pay dates in [first, last], each with its pattern (monthly, weekly)."""
        found: dict[date, str] = {}
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            for pay in self.monthly:
                found.setdefault(pay.date_in(year, month), "monthly")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = first
        while day <= last:
            if day.weekday() in self.weekdays:
                found.setdefault(day, "weekly")
            day += timedelta(days=1)
        return sorted((d, p) for d, p in found.items() if first <= d <= last)


@dataclass(frozen=True, slots=True)
class CalendarPayday:
    at: datetime
    calendar: str  # the calendar's key
    pattern: str  # monthly | weekly | pay_event (the last candidate of a pay event)


def pay_events(dates: list[tuple[date, str]]) -> list[list[date]]:
    """Sorted candidate dates grouped into pay events (runs at most PAY_EVENT_DAYS apart)."""
    events: list[list[date]] = []
    for day, _ in dates:
        if events and (day - events[-1][-1]).days <= PAY_EVENT_DAYS:
            events[-1].append(day)
        else:
            events.append([day])
    return events


def last_of_pay_event(
    after: datetime,
    timezone: str,
    calendar_key: str | None,
    deadline: datetime,
    hour: int = PAYDAY_HOUR,
) -> CalendarPayday | None:
    """One retry per pay event (decision 0021): the last candidate payday of the next pay
    event that still has one ≥ ``after``, at ``hour`` local time; when that day is past
    ``deadline``, the latest of the event's days before it. None when no pay event has a day
    in [after, deadline]. For rails whose retries are few (a mandate: NPCI's one debit and
    three retries a cycle), a retry on each day of one event spends two of them on the same
    money."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    cal = calendar_for(calendar_key)
    tz = zone(timezone)
    start = after.astimezone(tz).date()
    for event in pay_events(cal.dates(start, start + timedelta(days=70))):
        moments = [resolve_local(datetime(d.year, d.month, d.day, hour, tzinfo=tz)) for d in event]
        usable = [m for m in moments if after <= m <= deadline]
        if usable:
            return CalendarPayday(usable[-1].astimezone(after.tzinfo), cal.key, "pay_event")
        if moments[0] > deadline:
            return None
    return None


def pay_events_between(
    first: datetime,
    last: datetime,
    timezone: str,
    calendar_key: str | None,
    hour: int = PAYDAY_HOUR,
) -> int:
    """How many pay events of the calendar have a day whose ``hour`` local time falls in
    [first, last]: the retries a payday schedule still needs before ``last``."""
    if first.tzinfo is None or last.tzinfo is None:
        raise ValueError("first and last must be aware datetimes")
    if last < first:
        return 0
    cal = calendar_for(calendar_key)
    tz = zone(timezone)
    start, end = first.astimezone(tz).date(), last.astimezone(tz).date()
    count = 0
    for event in pay_events(cal.dates(start, end)):
        moments = (resolve_local(datetime(d.year, d.month, d.day, hour, tzinfo=tz)) for d in event)
        count += any(first <= m <= last for m in moments)
    return count


def next_calendar_payday(
    after: datetime, timezone: str, calendar_key: str | None, hour: int = PAYDAY_HOUR
) -> CalendarPayday:
    """The first candidate payday of the calendar at ``hour`` local time, ≥ ``after``."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    cal = calendar_for(calendar_key)
    tz = zone(timezone)
    start = after.astimezone(tz).date()
    for day, pattern in cal.dates(start, start + timedelta(days=70)):
        moment = resolve_local(datetime(day.year, day.month, day.day, hour, tzinfo=tz))
        if moment >= after:
            return CalendarPayday(moment.astimezone(after.tzinfo), cal.key, pattern)
    raise AssertionError("a calendar always has a payday within two months")


def calendar_for(key: str | None) -> PayCalendar:
    """The calendar filed under ``key`` (a country or currency, aliases followed)."""
    calendars, aliases = _load()
    name = (key or DEFAULT).upper() if key and key.lower() != DEFAULT else DEFAULT
    name = aliases.get(name, name)
    return calendars.get(name) or calendars[DEFAULT]


def on_or_after_payday(moment: datetime, timezone: str, calendar_key: str | None) -> bool:
    """Whether ``moment``'s local day is a candidate payday of the calendar or one of the
    PAY_EVENT_DAYS after one: money that came by the calendar may still be there."""
    day = moment.astimezone(zone(timezone)).date()
    return bool(calendar_for(calendar_key).dates(day - timedelta(days=PAY_EVENT_DAYS), day))


def pay_calendar_key(
    country: str | None,
    phone: str | None,
    currency: str | None,
    merchant_zone: str | None = None,
) -> str:
    """The key of the customer's calendar: country, phone prefix, merchant zone, currency."""
    calendars, aliases = _load()
    for candidate in (
        country,
        _phone_country(phone, country),
        _zone_country(merchant_zone),
        currency,
    ):
        if candidate:
            name = aliases.get(candidate.upper(), candidate.upper())
            if name in calendars:
                return name
    return DEFAULT


def is_known(key: str) -> bool:
    calendars, aliases = _load()
    return key == DEFAULT or key.upper() in calendars or key.upper() in aliases


def _phone_country(phone: str | None, country: str | None) -> str | None:
    if not phone:
        return None
    try:
        number = phonenumbers.parse(
            phone.strip().removeprefix("whatsapp:"), country.upper() if country else None
        )
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None


def _zone_country(name: str | None) -> str | None:
    """The one country whose zones include ``name`` (CLDR, via Babel), if exactly one."""
    if not name:
        return None
    countries = {
        str(territory)
        for territory, zones in get_global("territory_zones").items()
        if name in zones and len(str(territory)) == 2
    }
    return countries.pop() if len(countries) == 1 else None


@functools.cache
def _load() -> tuple[dict[str, PayCalendar], dict[str, str]]:
    text = (resources.files("tinko.policies") / "data" / _FILE).read_text(encoding="utf-8")
    return read_calendars(text)


def read_calendars(text: str) -> tuple[dict[str, PayCalendar], dict[str, str]]:
    """Parse the calendars file; CalendarError naming the entry when it is malformed."""
    data = parse_yaml(text, _FILE)
    if not isinstance(data, dict) or not isinstance(data.get("calendars"), dict):
        raise CalendarError(f"{_FILE}: needs a calendars mapping")
    calendars = {str(key): _calendar(str(key), entry) for key, entry in data["calendars"].items()}
    if DEFAULT not in calendars:
        raise CalendarError(f"{_FILE}: needs a {DEFAULT} calendar")
    aliases = {str(k).upper(): str(v) for k, v in (data.get("aliases") or {}).items()}
    for alias, target in aliases.items():
        if target not in calendars:
            raise CalendarError(f"{_FILE}: aliases.{alias}: no calendar {target!r}")
    return calendars, aliases


def _monthly(item: object, where: str) -> MonthlyPay:
    if isinstance(item, dict) and set(item) == {"business_day"}:
        nth = item["business_day"]
        if not isinstance(nth, int) or not 1 <= nth <= _MAX_BUSINESS_DAY:
            raise CalendarError(f"{where}.monthly: {item!r}: business_day 1-{_MAX_BUSINESS_DAY}")
        return MonthlyPay(1, "none", nth)
    day, roll = item.get("day") if isinstance(item, dict) else None, "none"
    if isinstance(item, dict):
        roll = item.get("roll", "none")
    if not isinstance(day, int) or not (day == -1 or 1 <= day <= 31) or roll not in _ROLLS:
        raise CalendarError(f"{where}.monthly: {item!r}: day 1-31 or -1, roll {_ROLLS}")
    return MonthlyPay(day, _ROLL_OF[roll])


def _calendar(key: str, entry: object) -> PayCalendar:
    where = f"{_FILE}: calendars.{key}"
    if not isinstance(entry, dict) or set(entry) - {"monthly", "weekly"}:
        raise CalendarError(f"{where}: only monthly and weekly lists are allowed")
    monthly = []
    for item in entry.get("monthly") or []:
        monthly.append(_monthly(item, where))
    weekdays = set()
    for item in entry.get("weekly") or []:
        name = item.get("weekday") if isinstance(item, dict) else None
        if name not in WEEKDAY_NAMES:
            raise CalendarError(f"{where}.weekly: {item!r}: weekday one of mon..sun")
        weekdays.add(WEEKDAY_NAMES.index(name))
    if not monthly and not weekdays:
        raise CalendarError(f"{where}: lists no paydays")
    return PayCalendar(key, tuple(monthly), frozenset(weekdays))
