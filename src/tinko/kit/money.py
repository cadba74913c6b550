"""Money: integer minor units plus an ISO 4217 code, validated with Babel's CLDR data."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import get_currency_precision, is_currency

# Far above any single real payment in any currency's minor units; catches unit mistakes
# (amounts sent in micro-units or as card numbers) without refusing a large B2B invoice.
MAX_AMOUNT_MINOR = 10**12


@lru_cache(maxsize=512)
def is_known_currency(code: str) -> bool:
    return len(code) == 3 and code.isupper() and is_currency(code)


@lru_cache(maxsize=512)
def minor_unit_exponent(code: str) -> int:
    return int(get_currency_precision(code))
