"""Money: integer minor units plus an ISO 4217 code, validated with Babel's CLDR data."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache, lru_cache
from typing import Annotated, Final

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision
from pydantic import AfterValidator, StringConstraints

# Far above any single real payment in any currency's minor units; catches unit mistakes
# (amounts sent in micro-units or as card numbers) without refusing a large B2B invoice.
MAX_AMOUNT_MINOR = 10**12


@cache
def _tender_currencies() -> frozenset[str]:
    """Codes that are or were legal tender somewhere (CLDR's territory currencies).

    ISO 4217 also lists codes that are not money one can pay in: XXX (no currency), XTS
    (testing), precious metals, bond-market units, fund codes. CLDR marks those non-tender.
    """
    territories: Mapping[str, list[tuple[str, object, object, bool]]] = get_global(
        "territory_currencies"
    )
    return frozenset(code for spans in territories.values() for code, *_, tender in spans if tender)


@lru_cache(maxsize=512)
def is_known_currency(code: str) -> bool:
    return len(code) == 3 and code.isupper() and code in _tender_currencies()


def _known(code: str) -> str:
    if not is_known_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (like INR or USD)")
    return code


# A currency in API input: upper-cased, and one that is or was money somewhere.
CurrencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(_known)
]


@lru_cache(maxsize=512)
def minor_unit_exponent(code: str) -> int:
    return int(get_currency_precision(code))


# Indian locales group lakhs and crores (₹1,23,456.00) with the symbol before the amount. CLDR's
# own patterns for these locales have changed between Babel releases (ta_IN became "₹ 123,456.00"
# in Babel 2.19), so customers' amounts are formatted with this pattern, not the release's.
# Source: CLDR en_IN/hi_IN decimalFormats "#,##,##0.###", currencyFormats "¤#,##,##0.00".
_INDIAN_CURRENCY_PATTERN: Final = "¤#,##,##0.00"


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """An amount as a customer in `locale` reads it: ₹1,23,456.00 in en_IN, hi_IN and ta_IN.

    Decimals follow the currency (¥1,500 has none), whatever the pattern says.
    """
    locale = locale.replace("-", "_")
    amount = Decimal(amount_minor).scaleb(-minor_unit_exponent(currency))
    pattern = _INDIAN_CURRENCY_PATTERN if _is_indian(locale) else None
    return str(format_currency(amount, currency, format=pattern, locale=locale))


@lru_cache(maxsize=64)
def _is_indian(locale: str) -> bool:
    try:
        return Locale.parse(locale).territory == "IN"
    except (ValueError, UnknownLocaleError):
        return False
