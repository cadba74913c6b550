"""Numbers as a person in the page's language reads them: Indian grouping (1,23,456) for
Hindi, Tamil and rupees (kit.money.format_money, pages.i18n.number_locale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from tinko.kit.money import format_money
from tinko.pages.i18n import number_locale


@dataclass(frozen=True)
class Formats:
    language: str
    org_locale: str | None = None

    def locale(self, currency: str = "") -> str:
        return number_locale(self.language, currency, self.org_locale)

    def money(self, amount_minor: int, currency: str) -> str:
        return format_money(amount_minor, currency, self.locale(currency))

    def number(self, value: int | float) -> str:
        return str(format_decimal(value, locale=self.locale("INR")))

    def percent(self, rate: float | None) -> str:
        if rate is None:
            return "-"
        return str(format_percent(rate, format="#,##0.0%", locale=self.locale()))

    def day(self, value: date) -> str:
        return str(format_date(value, "medium", locale=self.locale()))
