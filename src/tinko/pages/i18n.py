"""Languages of the payer page: choosing one per request, catalogs, money and time in it.

Catalogs are the .po files under locale/, compiled in memory when first used: the .po file is
the only copy, so a compiled catalog can never be older than its source, and translators need
no build step (pybabel extract/update still work with babel.cfg beside this file).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import Translations

from tinko.kit.money import minor_unit_exponent

LANGUAGES: Final = ("en", "hi", "ta")
DEFAULT_LANGUAGE: Final = "en"
# Each language named in itself, as a payer who reads only that language looks for it.
LANGUAGE_NAMES: Final = {"en": "English", "hi": "हिन्दी", "ta": "தமிழ்"}
LOCALE_DIR: Final = Path(__file__).parent / "locale"
_MAX_ACCEPT_LANGUAGE_ENTRIES = 20


def N_(message: str) -> str:
    """The conventional gettext marker: extracted to the catalogs, translated where shown."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first (RFC 9110 12.5.4)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:_MAX_ACCEPT_LANGUAGE_ENTRIES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def _language_of(locale_name: str | None) -> Locale | None:
    if not locale_name:
        return None
    try:
        return Locale.parse(locale_name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


def choose_language(
    *,
    asked: str | None,
    remembered: str | None,
    accept_language: str | None,
    org_locale: str | None,
) -> str:
    """The ?lang= switcher, then the payer's earlier choice, then the browser, then the org."""
    for choice in (asked, remembered):
        if choice in LANGUAGES:
            return str(choice)
    negotiated = negotiate_locale(parse_accept_language(accept_language), LANGUAGES, sep="-")
    if negotiated:
        return str(negotiated)
    org = _language_of(org_locale)
    if org is not None and org.language in LANGUAGES:
        return str(org.language)
    return DEFAULT_LANGUAGE


def number_locale(language: str, currency: str, org_locale: str | None) -> str:
    """The CLDR locale for numbers: Indian grouping (1,23,456) for Indian languages and rupees."""
    if language != "en":
        return f"{language}_IN"
    if currency == "INR":
        return "en_IN"
    org = _language_of(org_locale)
    if org is not None and org.language == "en" and org.territory:
        return str(org)
    return "en"


# Rupees read the Indian way (1,23,456) in every language; CLDR 47 (Babel 2.19) gave Tamil the
# western grouping with a space after the sign, which Indian payers do not expect.
_RUPEE_PATTERN: Final = "¤#,##,##0.00"


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    amount = Decimal(amount_minor).scaleb(-minor_unit_exponent(currency))
    if currency == "INR" and locale.endswith("_IN"):
        return str(format_currency(amount, currency, format=_RUPEE_PATTERN, locale=locale))
    return str(format_currency(amount, currency, locale=locale))


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_day_and_time(moment: datetime, timezone: str | None, locale: str) -> tuple[str, str]:
    """("4 November", "3:00 pm") in the merchant's time zone and the page's language."""
    tz = zone(timezone)
    day = format_skeleton("MMMMd", moment, tzinfo=tz, locale=locale)
    return str(day), str(format_time(moment, "short", tzinfo=tz, locale=locale))
