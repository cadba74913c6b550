"""Shipped words: default templates and customer-facing phrases, per language (data files).

Languages we ship copy in are `LOCALES`; a customer or org locale such as `hi-IN` or `ta_IN`
is reduced to its language, and anything else falls back to English.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_date, format_time

from tinko.kit.money import format_money

LOCALES: Final = ("en", "hi", "ta")
DEFAULT_LOCALE: Final = "en"
DEFAULT_TEMPLATE_ID_PREFIX: Final = "tpl_default_"  # shipped templates' ids; never stored
# Babel locales for formatting: Indian digit grouping (₹1,00,000.00) for all three languages.
_BABEL_LOCALE: Final = {"en": "en_IN", "hi": "hi_IN", "ta": "ta_IN"}


@dataclass(frozen=True)
class DefaultTemplate:
    locale: str
    channel: str
    name: str
    subject: str | None
    body: str
    html: str | None


def language(locale: str | None) -> str | None:
    """`hi-IN` → `hi`; None for a locale we ship no copy in."""
    if not locale:
        return None
    lang = locale.replace("_", "-").split("-", 1)[0].lower()
    return lang if lang in LOCALES else None


@functools.cache
def _data(name: str) -> Any:
    return yaml.safe_load(resources.files("tinko.notify").joinpath("data", name).read_text("utf-8"))


def default_template(channel: str, locale: str) -> DefaultTemplate:
    entry = _data(f"templates/{locale}.yaml")[channel]
    return DefaultTemplate(
        locale=locale,
        channel=channel,
        name=entry["name"],
        subject=entry.get("subject"),
        body=entry["body"],
        html=entry.get("html"),
    )


def phrase(group: str, key: str, locale: str) -> str:
    """A phrase in `locale`, else in English, else the key itself (an unknown category)."""
    table: Mapping[str, Mapping[str, str]] = _data("phrases.yaml")[group]
    entry = table.get(key) or table.get("unknown") or {}
    return entry.get(locale) or entry.get(DEFAULT_LOCALE) or key


def line(group: str, locale: str, **values: str) -> str:
    table: Mapping[str, str] = _data("phrases.yaml")[group]
    return (table.get(locale) or table[DEFAULT_LOCALE]).format(**values)


def format_amount(amount_minor: int, currency: str, locale: str) -> str:
    return format_money(amount_minor, currency, _BABEL_LOCALE.get(locale, "en_IN"))


def format_moment(moment: datetime, timezone: str, locale: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    babel_locale = _BABEL_LOCALE.get(locale, "en_IN")
    local = moment.astimezone(zone)
    day = format_date(local, format="medium", locale=babel_locale)
    hour = format_time(local, format="short", locale=babel_locale)
    return f"{day}, {hour} {local.tzname()}"  # the zone named: the customer may live elsewhere
