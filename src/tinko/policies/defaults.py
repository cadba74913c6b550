"""The retry policy the engine reads (`PolicySpec`) and the built-in default per decline category.

The defaults live in ``data/default_policies.yaml`` (sources and dates in its header); this
module reads and checks that file once and turns an entry into a ``PolicySpec`` for an
organisation's time zone. Pure: no database, no clock.

Defaults at a glance (see the data file for the numbers and the reasons):

* insufficient_funds, limit_exceeded: ``payday``, 4 silent retries in 28 days, link after 3.
* issuer_unavailable, processing_error: ``backoff`` 8 h, x4, up to 48 h, 4 retries.
* do_not_honor, upi_pending_timeout: ``backoff`` 1 day, x2.5, up to 14 days (days 1, 3.5,
  about 10 and 24), link after 2.
* authentication_required, expired_card, invalid_card_data: ``customer_only``, link at once.
* lost_stolen_fraud, account_closed, not_permitted, suspected_fraud, mandate_revoked:
  ``customer_only``, never retried; the link offers another method. duplicate: nothing at all.
* unknown: do_not_honor's profile, its retries after the first spread over the window by
  the planner (a code nobody knows says nothing about when it clears).
* Messages go by SMS first, then email; every window is 28 days.
* payment method upi/emandate: silent retries only in NPCI non-peak hours, at most 3.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Final, Literal, get_args

from tinko.classifier import CATEGORIES
from tinko.classifier.errors import ClassifierDataError
from tinko.classifier.yamlio import parse_yaml
from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK, WindowSpec, parse_window_spec
from tinko.rules import CHANNELS

Strategy = Literal["backoff", "payday", "customer_only"]
STRATEGIES: Final[tuple[str, ...]] = get_args(Strategy)
# Categories whose money may come back on its own: the only ones a payday strategy suits.
FUNDS_CATEGORIES: Final = frozenset({"insufficient_funds", "limit_exceeded"})
# Bounds shared with the API's validation.
MAX_ATTEMPTS: Final = 20
MAX_WINDOW_DAYS: Final = 60  # Stripe's retry policy allows at most 60 days
MAX_DELAY_MINUTES: Final = MAX_WINDOW_DAYS * 24 * 60
MIN_MULTIPLIER: Final = 1.0
MAX_MULTIPLIER: Final = 10.0
DEFAULT_PAYDAYS: Final = (1, 15, -1)
# Days of the month, or "auto": the customer's pay calendar (policies.paydays).
Paydays = tuple[int, ...] | Literal["auto"]
# Window names a default may use: the presets, in the org's zone, and NPCI's non-peak hours.
WINDOW_NAMES: Final = ("anytime", "business_hours", "weekdays", "non_peak")
PAYMENT_METHOD_TYPES: Final = (
    "card",
    "upi",
    "netbanking",
    "wallet",
    "emandate",
    "ach_debit",
    "sepa_debit",
    "bacs_debit",
)

_FILE = "default_policies.yaml"
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_FIELDS: Final = (
    "name",
    "strategy",
    "silent_retries",
    "max_attempts",
    "initial_delay_minutes",
    "backoff_multiplier",
    "max_delay_minutes",
    "link_after_attempt",
    "window_days",
    "windows",
    "channels",
    "quiet_hours",
    "paydays",
)
_TOP: Final = ("meta", "profiles", "categories", "general", "payment_methods")
_OVERRIDE: Final = ("windows", "max_attempts_cap")


@dataclass(frozen=True)
class PolicySpec:
    """One retry policy as the recovery engine reads it.

    ``strategy``: ``backoff`` waits ``initial_delay_minutes * backoff_multiplier**n`` (capped at
    ``max_delay_minutes``) before silent retry n+1; ``payday`` moves each retry to the next of
    ``paydays`` (day of month, -1 the last; ``auto``: the customer's pay calendar) in the
    customer's zone, else ``windows.timezone``; ``customer_only`` never
    retries silently and messages the customer after ``initial_delay_minutes``.
    """

    id: str | None  # None for a built-in default
    name: str
    strategy: Strategy
    silent_retries: bool  # False: never retry the saved method silently; outreach only
    max_attempts: int  # silent retries
    initial_delay_minutes: int
    backoff_multiplier: float
    max_delay_minutes: int
    channels: tuple[str, ...]  # outreach channels in order of preference
    link_after_attempt: int | None  # payer link after this many failed retries (0 at once)
    windows: WindowSpec  # allowed windows for silent retries
    quiet_hours: tuple[time, time] | None  # for messages, local to windows.timezone
    window_days: int
    paydays: Paydays = DEFAULT_PAYDAYS
    # Retry timing that learns from the merchant's own outcomes (recovery.timing); off
    # unless the merchant's policy turns it on.
    learned_timing: bool = False
    version: int | None = None  # the merchant policy's version; None for a built-in default


class DefaultsError(ValueError):
    """``default_policies.yaml`` is malformed; the message names the entry and the field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{_FILE}: {where}: {problem}")


@dataclass(frozen=True)
class DefaultEntry:
    """A default before it meets a time zone: ``windows`` is a name from WINDOW_NAMES."""

    name: str
    strategy: Strategy
    silent_retries: bool
    max_attempts: int
    initial_delay_minutes: int
    backoff_multiplier: float
    max_delay_minutes: int
    link_after_attempt: int | None
    window_days: int
    windows: str
    channels: tuple[str, ...]
    quiet_hours: tuple[time, time] | None
    paydays: Paydays


@dataclass(frozen=True)
class MethodOverride:
    windows: str
    max_attempts_cap: int


@dataclass(frozen=True)
class Defaults:
    categories: Mapping[str, DefaultEntry]
    general: DefaultEntry
    payment_methods: Mapping[str, MethodOverride]


def default_policy(category: str, payment_method_type: str | None, timezone: str) -> PolicySpec:
    """The built-in policy for a decline category, with windows in ``timezone`` (the org's).

    A category the classifier does not know is treated as ``unknown``. For mandate methods
    (upi, emandate) a category that retries silently retries only in NPCI non-peak hours
    (Asia/Kolkata) and at most 3 times. ValueError for an unknown time zone.
    """
    defaults = load_defaults()
    entry = defaults.categories.get(category) or defaults.categories["unknown"]
    override = defaults.payment_methods.get(payment_method_type or "")
    if override is not None and entry.silent_retries:
        cap = min(entry.max_attempts, override.max_attempts_cap)
        link = entry.link_after_attempt
        entry = replace(
            entry,
            windows=override.windows,
            max_attempts=cap,
            link_after_attempt=None if link is None else min(link, cap),
        )
    return to_spec(entry, timezone)


def general_default(timezone: str) -> PolicySpec:
    """What the console shows as "the" built-in policy when no category is asked for."""
    return to_spec(load_defaults().general, timezone)


def to_spec(entry: DefaultEntry, timezone: str) -> PolicySpec:
    return PolicySpec(
        id=None,
        name=entry.name,
        strategy=entry.strategy,
        silent_retries=entry.silent_retries,
        max_attempts=entry.max_attempts,
        initial_delay_minutes=entry.initial_delay_minutes,
        backoff_multiplier=entry.backoff_multiplier,
        max_delay_minutes=entry.max_delay_minutes,
        channels=entry.channels,
        link_after_attempt=entry.link_after_attempt,
        windows=named_window(entry.windows, timezone),
        quiet_hours=entry.quiet_hours,
        window_days=entry.window_days,
        paydays=entry.paydays,
    )


def named_window(name: str, timezone: str) -> WindowSpec:
    if name == "non_peak":
        return UPI_AUTOPAY_NON_PEAK  # NPCI's hours are IST whatever the org's zone
    return parse_window_spec({"timezone": timezone, "preset": name})


# --- the data file ------------------------------------------------------------------------


@functools.cache
def load_defaults() -> Defaults:
    return read_defaults(resources.files("tinko.policies") / "data" / _FILE)


def read_defaults(path: Traversable) -> Defaults:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"), _FILE)
    except ClassifierDataError as exc:
        raise DefaultsError("file", exc.problem) from None
    top = _mapping(data, "file")
    _keys(top, "file", _TOP, required=_TOP)
    profiles = dict(_mapping(top["profiles"], "profiles"))
    for name, raw in profiles.items():
        _entry(_mapping(raw, f"profiles.{name}"), f"profiles.{name}")
    raw_categories = _mapping(top["categories"], "categories")
    missing = [c for c in CATEGORIES if c not in raw_categories]
    if missing:
        raise DefaultsError("categories", f"missing {', '.join(missing)}")
    categories = {}
    for name, raw in raw_categories.items():
        if name not in CATEGORIES:
            raise DefaultsError(f"categories.{name}", "not a classifier category")
        categories[str(name)] = _from_profile(raw, profiles, f"categories.{name}")
    general = _from_profile(top["general"], profiles, "general")
    methods = {}
    for name, raw in _mapping(top["payment_methods"], "payment_methods").items():
        where = f"payment_methods.{name}"
        if name not in PAYMENT_METHOD_TYPES:
            raise DefaultsError(where, f"use one of {', '.join(PAYMENT_METHOD_TYPES)}")
        item = _mapping(raw, where)
        _keys(item, where, _OVERRIDE, required=_OVERRIDE)
        methods[str(name)] = MethodOverride(
            windows=_window_name(item["windows"], f"{where}.windows"),
            max_attempts_cap=_int(item["max_attempts_cap"], f"{where}.max_attempts_cap", 1),
        )
    return Defaults(categories=categories, general=general, payment_methods=methods)


def _from_profile(raw: object, profiles: Mapping[str, Any], where: str) -> DefaultEntry:
    """A profile's fields, then the entry's own (any field may be overridden)."""
    item = dict(_mapping(raw, where))
    profile = item.pop("profile", None)
    if not isinstance(profile, str) or profile not in profiles:
        raise DefaultsError(f"{where}.profile", f"unknown profile {profile!r}")
    _keys(item, where, _FIELDS, required=())
    return _entry({**profiles[profile], **item}, where)


def _entry(item: Mapping[str, Any], where: str) -> DefaultEntry:
    _keys(item, where, _FIELDS, required=_FIELDS)
    strategy = item["strategy"]
    if strategy not in STRATEGIES:
        raise DefaultsError(f"{where}.strategy", f"use one of {', '.join(STRATEGIES)}")
    silent = item["silent_retries"]
    if not isinstance(silent, bool):
        raise DefaultsError(f"{where}.silent_retries", "must be true or false")
    max_attempts = _int(item["max_attempts"], f"{where}.max_attempts", 0, MAX_ATTEMPTS)
    if silent != (strategy != "customer_only") or silent != (max_attempts > 0):
        raise DefaultsError(
            where, "customer_only, silent_retries: false and max_attempts: 0 go together"
        )
    initial = _int(item["initial_delay_minutes"], f"{where}.initial_delay_minutes", 0)
    maximum = _int(item["max_delay_minutes"], f"{where}.max_delay_minutes", 0, MAX_DELAY_MINUTES)
    if silent and maximum < initial:
        raise DefaultsError(f"{where}.max_delay_minutes", "must be ≥ initial_delay_minutes")
    multiplier = item["backoff_multiplier"]
    if (
        isinstance(multiplier, bool)
        or not isinstance(multiplier, int | float)
        or not MIN_MULTIPLIER <= multiplier <= MAX_MULTIPLIER
    ):
        raise DefaultsError(f"{where}.backoff_multiplier", "must be a number from 1 to 10")
    link = item["link_after_attempt"]
    if link is not None:
        link = _int(link, f"{where}.link_after_attempt", 0, max_attempts)
    name = item["name"]
    if not isinstance(name, str) or not name.strip():
        raise DefaultsError(f"{where}.name", "must be a non-empty string")
    return DefaultEntry(
        name=name,
        strategy=strategy,
        silent_retries=silent,
        max_attempts=max_attempts,
        initial_delay_minutes=initial,
        backoff_multiplier=float(multiplier),
        max_delay_minutes=maximum,
        link_after_attempt=link,
        window_days=_int(item["window_days"], f"{where}.window_days", 1, MAX_WINDOW_DAYS),
        windows=_window_name(item["windows"], f"{where}.windows"),
        channels=_channels(item["channels"], f"{where}.channels"),
        quiet_hours=_quiet_hours(item["quiet_hours"], f"{where}.quiet_hours"),
        paydays=_paydays(item["paydays"], f"{where}.paydays"),
    )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DefaultsError(where, "must be a mapping")
    return value


def _keys(
    item: Mapping[str, Any], where: str, allowed: tuple[str, ...], *, required: tuple[str, ...]
) -> None:
    for key in item:
        if key not in allowed:
            raise DefaultsError(f"{where}.{key}", "unknown field")
    for key in required:
        if key not in item:
            raise DefaultsError(f"{where}.{key}", "missing")


def _int(value: object, where: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefaultsError(where, "must be a whole number")
    if value < low or (high is not None and value > high):
        raise DefaultsError(where, f"must be from {low} to {high}" if high else f"must be ≥ {low}")
    return value


def _window_name(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in WINDOW_NAMES:
        raise DefaultsError(where, f"use one of {', '.join(WINDOW_NAMES)}")
    return value


def _channels(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise DefaultsError(where, "must be a non-empty list")
    if any(c not in CHANNELS for c in value) or len(set(value)) != len(value):
        raise DefaultsError(where, f"each of {', '.join(CHANNELS)} at most once")
    return tuple(value)


def _quiet_hours(value: object, where: str) -> tuple[time, time] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise DefaultsError(where, 'must be ["HH:MM", "HH:MM"] or null')
    start, end = (_hhmm(v, where) for v in value)
    if start == end:
        raise DefaultsError(where, "start and end must differ")
    return start, end


def _hhmm(value: object, where: str) -> time:
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise DefaultsError(where, 'times must be "HH:MM"')
    return time(int(match[1]), int(match[2]))


def _paydays(value: object, where: str) -> Paydays:
    if value == "auto":
        return "auto"
    ok = (
        isinstance(value, list)
        and value
        and all(
            isinstance(d, int) and not isinstance(d, bool) and (d == -1 or 1 <= d <= 31)
            for d in value
        )
    )
    if not ok:
        raise DefaultsError(
            where, "must be auto or a non-empty list of days 1-31 or -1 (the last day)"
        )
    assert isinstance(value, list)
    return tuple(value)
