"""The recoveries list's filter form: query parameters in, a `CaseQuery` and per-field errors
out. A bad value is reported next to its field (and left out of the query), never a 422."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

from tinko.analytics.definitions import local_midnight
from tinko.classifier.model import CATEGORIES
from tinko.kit.money import is_known_currency, minor_unit_exponent
from tinko.pages.i18n import N_, zone
from tinko.recovery.search import GATEWAYS, RAILS, CaseQuery
from tinko.recovery.statuses import CaseStatus

FIELDS: Final = (
    "status",
    "category",
    "rail",
    "gateway",
    "currency",
    "from",
    "to",
    "amount_min",
    "amount_max",
    "q",
)
CHOICES: Final = {
    "status": tuple(CaseStatus),
    "category": CATEGORIES,
    "rail": RAILS,
    "gateway": GATEWAYS,
}
BAD_CHOICE: Final = N_("Choose one of the listed values.")
BAD_DATE: Final = N_("Enter a date as YYYY-MM-DD.")
BAD_RANGE: Final = N_("The start date is after the end date.")
BAD_AMOUNT: Final = N_("Enter an amount such as 499 or 499.50.")
BAD_AMOUNTS: Final = N_("The smallest amount is above the largest.")
BAD_CURRENCY: Final = N_("Enter a currency code such as INR.")
TOO_LONG: Final = N_("Enter at most 200 characters.")


@dataclass
class ParsedFilters:
    values: dict[str, str]  # what the form shows again, as typed
    query: CaseQuery
    errors: dict[str, str] = field(default_factory=dict)  # field → message id
    after: str | None = None  # the page's cursor (a case id)

    @property
    def active(self) -> bool:
        return any(self.values.get(name) for name in FIELDS)


def parse(params: Mapping[str, str], *, timezone: str, default_currency: str) -> ParsedFilters:
    values = {name: (params.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    chosen: dict[str, str | None] = {}
    for name, allowed in CHOICES.items():
        value = values[name] or None
        if value is not None and value not in allowed:
            errors[name], value = BAD_CHOICE, None
        chosen[name] = value
    currency = values["currency"].upper() or None
    if currency is not None and not is_known_currency(currency):
        errors["currency"], currency = BAD_CURRENCY, None
    first, last = _day(values["from"], "from", errors), _day(values["to"], "to", errors)
    if first and last and first > last:
        errors["from"], first = BAD_RANGE, None
    tz = zone(timezone)
    amount_currency = currency or default_currency
    low = _amount(values["amount_min"], "amount_min", amount_currency, errors)
    high = _amount(values["amount_max"], "amount_max", amount_currency, errors)
    if low is not None and high is not None and low > high:
        errors["amount_min"], low = BAD_AMOUNTS, None
    if len(values["q"]) > 200:
        errors["q"], values["q"] = TOO_LONG, values["q"][:200]
    if (low is not None or high is not None) and currency is None:
        currency = amount_currency  # an amount means something in one currency only
    query = CaseQuery(
        status=chosen["status"],
        category=chosen["category"],
        rail=chosen["rail"],
        gateway=chosen["gateway"],
        currency=currency,
        since=local_midnight(first, tz) if first else None,
        until=local_midnight(last + timedelta(days=1), tz) if last else None,
        amount_min=low,
        amount_max=high,
        text=values["q"] or None,
    )
    return ParsedFilters(values, query, errors, decode_cursor(params.get("after")))


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = BAD_DATE
        return None


def _amount(text: str, name: str, currency: str, errors: dict[str, str]) -> int | None:
    """Major units as typed (499.50, 1,23,456) → minor units of `currency`."""
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        amount = Decimal(-1)
    exponent = minor_unit_exponent(currency)
    if not amount.is_finite() or amount < 0 or amount > Decimal(10) ** 12:
        errors[name] = BAD_AMOUNT
        return None
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        errors[name] = BAD_AMOUNT
        return None
    return int(minor)


def encode_cursor(case_id: str) -> str:
    return base64.urlsafe_b64encode(case_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """A cursor this page made, or None (a damaged one starts from the first page)."""
    if not cursor or len(cursor) > 100:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if decoded.isascii() and decoded.isprintable() else None
