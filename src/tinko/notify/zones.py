"""The customer's time zone: given by the merchant, else inferred from the phone number or
the country, else unknown (the caller then uses the merchant's zone).

Retries on paydays and messages outside quiet hours should follow the customer's clock, not
the merchant's (issue #16: a payday retry at 09:00 in New York reaches a Californian at
06:00, and quiet hours in the merchant's zone let messages land in the customer's night).

* Phone: libphonenumber's time-zone data (``phonenumbers.timezone``, the library we already
  use to normalise phones) maps a number's prefix to its zones: +1 212 is New York, +91 is
  India. https://github.com/google/libphonenumber (geocoding / timezone mapper)
* Country: CLDR's zones per territory (``babel``, already a dependency). A country with one
  zone gives it. For a country with several, the merchant's zone when it is one of them,
  else a zone of the metazone most of the country's zones share (Eastern for the US,
  Australia Eastern for AU): one reading of "where most people live" that needs no
  hand-kept table. https://cldr.unicode.org/translation/time-zones-and-city-names
"""

from __future__ import annotations

import functools
from collections import Counter

import phonenumbers
from babel.core import get_global
from phonenumbers import timezone as phone_zones

from tinko.policies.windows import zone

_UNKNOWN = "Etc/Unknown"  # libphonenumber's answer when a prefix has no zone


def customer_zone(
    given: str | None,
    phone: str | None,
    country: str | None,
    merchant_zone: str | None = None,
) -> str | None:
    """The customer's IANA zone, or None when nothing tells."""
    if given and _valid(given):
        return given
    if phone:
        found = phone_zone(phone, country, merchant_zone)
        if found is not None:
            return found
    if country:
        return country_zone(country, merchant_zone)
    return None


def possible_zones(
    given: str | None,
    phone: str | None,
    country: str | None,
) -> tuple[str, ...]:
    """Every zone the customer may be in: the given zone alone, else all the zones of the
    phone's prefix, else of the country (several when the zone is only a guess); () if none.

    A message planned for the customer's waking hours should fall inside them in each of
    these, not only in the one ``customer_zone`` guessed (a US customer may be in Los Angeles,
    three hours behind the Eastern guess: 08:00 there is 05:00 for them)."""
    if given and _valid(given):
        return (given,)
    if phone:
        try:
            number = phonenumbers.parse(
                phone.strip().removeprefix("whatsapp:"), country.upper() if country else None
            )
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            found = phone_zones.time_zones_for_number(number)
            zones = _by_metazone(tuple(z for z in found if z != _UNKNOWN and _valid(z)))
            if zones:
                return zones
    if country:
        return _by_metazone(_territory_zones().get(country.upper(), ()))
    return ()


@functools.cache
def _by_metazone(zones: tuple[str, ...]) -> tuple[str, ...]:
    """One zone per metazone (Eastern, Central, Pacific…), research stations left out: the
    zones of one metazone keep the same hours, so one of each is enough to check."""
    metazones = get_global("meta_zones")
    kept: dict[str, str] = {}
    for name in sorted(z for z in zones if not z.startswith("Antarctica/")):
        kept.setdefault(metazones.get(name, name), name)
    return tuple(sorted(kept.values()))


def phone_zone(
    phone: str, country: str | None = None, merchant_zone: str | None = None
) -> str | None:
    """The zone of a phone number's prefix (written internationally, or nationally for
    ``country``); several zones narrow as a country's do; None when the number does not tell."""
    try:
        number = phonenumbers.parse(
            phone.strip().removeprefix("whatsapp:"), country.upper() if country else None
        )
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in phone_zones.time_zones_for_number(number) if z != _UNKNOWN and _valid(z)]
    if len(zones) == 1:
        return zones[0]
    if not zones:
        return None
    return _pick(tuple(sorted(zones)), merchant_zone)


def country_zone(country: str, merchant_zone: str | None = None) -> str | None:
    zones = _territory_zones().get(country.upper())
    if not zones:
        return None
    return _pick(zones, merchant_zone)


def _pick(zones: tuple[str, ...], merchant_zone: str | None) -> str:
    if len(zones) == 1:
        return zones[0]
    if merchant_zone in zones:
        return merchant_zone
    metazones = get_global("meta_zones")
    counts = Counter(metazones.get(z, z) for z in zones)
    # Ties go to the alphabetically first metazone, so the answer never depends on order.
    top = min(counts, key=lambda m: (-counts[m], m))
    # Same offsets and rules whichever we take; skip research stations (Antarctica/Macquarie).
    inhabited = [z for z in zones if metazones.get(z, z) == top and not z.startswith("Antarctica/")]
    return min(inhabited or [z for z in zones if metazones.get(z, z) == top])


@functools.cache
def _territory_zones() -> dict[str, tuple[str, ...]]:
    raw = get_global("territory_zones")
    return {
        str(territory): tuple(sorted(z for z in zones if _valid(z)))
        for territory, zones in raw.items()
    }


@functools.cache
def _valid(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True
