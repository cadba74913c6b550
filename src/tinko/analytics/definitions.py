"""What analytics counts, in words and in plain values: published in docs/analytics.md and
echoed in every response (`definition`), so a number never travels without its meaning.

Pure: the period and filters a request asks for, checked here (422 naming the field), and the
vocabulary (outcomes, rails, channels) the queries and the export share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from tinko.classifier.model import CATEGORIES
from tinko.errors import Unprocessable
from tinko.kit.money import is_known_currency

PERIODS: Final = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PERIOD: Final = "30d"
MAX_RANGE_DAYS: Final = 400
GATEWAYS: Final = ("stripe", "razorpay", "sandbox", "other")
# The payment rails, by the payment method type intake records.
RAILS: Final = {
    "card": "card",
    "upi": "UPI AutoPay",
    "emandate": "e-mandate",
    "netbanking": "netbanking",
    "wallet": "wallet",
    # Bank debits: one rail per scheme (rail = intake's payment method type), not one
    # `bank_debit` rail, so filters stay an equality on the stored type (decision 0020).
    "ach_debit": "ACH debit",
    "sepa_debit": "SEPA Direct Debit",
    "bacs_debit": "Bacs Direct Debit",
}
OUTCOMES: Final = ("recovered", "lost", "open")
RECOVERED_BY: Final = ("psp_retry", "payer_link", "outside")
CHANNELS: Final = ("retry", "email", "sms", "whatsapp")
ARMS: Final = ("all", "treated", "holdout")
DEFAULT_POLICY: Final = "default"  # the `policy_id` filter value for the built-in policies
COHORT_DAYS: Final = (1, 3, 7, 14, 21, 28, 45, 60, 90)

DEFINITION: Final = {
    "case": "one failed payment that opened a recovery",
    "cohort": "the day of the case's first failure, in the organisation's time zone",
    "period": "a case counts in the period of its first failure",
    "window": "W, the recovery window of the case's policy (first failure + window_days)",
    "recovered": (
        "the payment succeeded after it failed: by Tinko's retry (psp_retry), through the "
        "payer link (payer_link), or reported by the merchant or the PSP outside Tinko (outside)"
    ),
    "lost": (
        "Tinko stopped working on the case: retries and messages exhausted, a hard decline "
        "with no customer action, cancelled by the merchant, or the customer opted out; a "
        "lost case still turns recovered if the payment arrives later"
    ),
    "open": "still being worked on",
    "recovery_rate_count": "recovered cases / all cases",
    "recovery_rate_amount": "recovered amount / failed amount, in one currency",
    "provisional": "the cohort has a case still inside its window W: the numbers can change",
    "amounts": "minor units per currency, never summed across currencies",
    "holdout": (
        "holdout cases are counted like any other (filter `arm=treated|holdout` to split them)"
    ),
}


@dataclass(frozen=True)
class Period:
    """Whole local days [first, last] and the UTC instants that bound them."""

    label: str  # 7d | 30d | 90d | custom
    first: date
    last: date
    timezone: str
    start: datetime  # first day's local midnight, in UTC
    end: datetime  # the day after last's local midnight, in UTC (exclusive)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_period(
    period: str | None, first: str | None, last: str | None, timezone: str, now: datetime
) -> Period:
    """`period=7d|30d|90d` ending today, or `from`/`to` (inclusive local dates)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if first is not None or last is not None:
        if period is not None:
            raise Unprocessable("give either period or from/to", loc=["query", "period"])
        if first is None or last is None:
            missing = "from" if first is None else "to"
            raise Unprocessable("from and to go together", loc=["query", missing])
        start_day, end_day = _date(first, "from"), _date(last, "to")
        if start_day > end_day:
            raise Unprocessable("from is after to", loc=["query", "from"])
        if (end_day - start_day).days + 1 > MAX_RANGE_DAYS:
            raise Unprocessable(
                f"the range is longer than {MAX_RANGE_DAYS} days", loc=["query", "to"]
            )
        label = "custom"
    else:
        label = period or DEFAULT_PERIOD
        if label not in PERIODS:
            raise Unprocessable(
                f"unknown period {label!r}; use one of {', '.join(PERIODS)}",
                loc=["query", "period"],
            )
        end_day = today
        start_day = today - timedelta(days=PERIODS[label] - 1)
    return Period(
        label,
        start_day,
        end_day,
        timezone,
        local_midnight(start_day, zone),
        local_midnight(end_day + timedelta(days=1), zone),
    )


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Unprocessable(f"{value!r} is not a date (YYYY-MM-DD)", loc=["query", field]) from None


@dataclass(frozen=True)
class Filters:
    gateway: str | None = None
    category: str | None = None
    rail: str | None = None
    currency: str | None = None
    country: str | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    policy_id: str | None = None
    rule_id: str | None = None
    arm: Literal["all", "treated", "holdout"] = "all"

    def as_dict(self) -> dict[str, str | int]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "arm"} | (
            {"arm": self.arm} if self.arm != "all" else {}
        )


def check_filters(filters: Filters) -> Filters:
    """Refuse values that can match nothing by construction (a typo must not read as zero)."""
    _one_of("gateway", filters.gateway, GATEWAYS)
    _one_of("category", filters.category, CATEGORIES)
    _one_of("rail", filters.rail, tuple(RAILS))
    _one_of("arm", filters.arm, ARMS)
    if filters.currency is not None and not (
        re.fullmatch(r"[A-Z]{3}", filters.currency) and is_known_currency(filters.currency)
    ):
        raise Unprocessable(f"unknown currency {filters.currency!r}", loc=["query", "currency"])
    if filters.country is not None and not re.fullmatch(r"[A-Z]{2}", filters.country):
        raise Unprocessable(
            "country is a two-letter ISO code in capitals", loc=["query", "country"]
        )
    for name in ("amount_min", "amount_max"):
        value = getattr(filters, name)
        if value is not None and value < 0:
            raise Unprocessable(f"{name} must be 0 or more", loc=["query", name])
    if (
        filters.amount_min is not None
        and filters.amount_max is not None
        and filters.amount_min > filters.amount_max
    ):
        raise Unprocessable("amount_min is above amount_max", loc=["query", "amount_min"])
    return filters


def _one_of(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise Unprocessable(
            f"unknown {field} {value!r}; use one of {', '.join(allowed)}", loc=["query", field]
        )


def rate(part: int, whole: int) -> float | None:
    """A share rounded to 4 places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def definition(**extra: str) -> dict[str, str]:
    return {**DEFINITION, **extra}
