"""Money: integer minor units plus an ISO 4217 code, validated with Babel's CLDR data."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Annotated

from babel.core import get_global
from babel.numbers import get_currency_precision
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
