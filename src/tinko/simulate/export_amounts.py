"""How an export's amounts are read: currency symbols, grouping and decimal commas, and the
units (major or minor) that whose export it is implies."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from tinko.kit.money import MAX_AMOUNT_MINOR, minor_unit_exponent
from tinko.simulate.export_errors import BacktestError


class AmountTooLarge(BacktestError):
    """An amount above any real payment: a typo, a card number or an id in the amount column.
    The ceiling is the service's own (MAX_AMOUNT_MINOR, 10^12 minor units, what its intake
    and the scenario reader accept): a row above it is skipped rather than stopping the
    world's calibration, and no large B2B invoice reaches it."""


def _plain_number(raw: str, currency: str) -> str:
    """The amount as a plain decimal: without a currency symbol or code ("$49.00",
    "EUR 12.00"), grouping spaces or apostrophes ("1 249,00", "1'249.00"), and with a decimal
    comma read as such ("1.249,00", "49,00"; a lone comma before three digits groups
    thousands: "1,249")."""
    text = "".join(c for c in raw if unicodedata.category(c) != "Sc" and not c.isspace())
    text = text.replace("'", "")
    if text[:3].upper() == currency:
        text = text[3:]
    elif text[-3:].upper() == currency:
        text = text[:-3]
    if "," in text and "." in text:
        decimal = "," if text.rindex(",") > text.rindex(".") else "."
        grouping = "." if decimal == "," else ","
        return text.replace(grouping, "").replace(decimal, ".")
    if text.count(",") == 1 and len(text.rpartition(",")[2]) != 3:
        return text.replace(",", ".")
    return text.replace(",", "")


def minor_amount(raw: str, currency: str, flavour: str | None, where: str) -> int:
    """Minor units. Stripe's Dashboard export writes major units ("49.99", "¥3000" as 3000);
    Razorpay's report writes the API's subunits (paise) unless it shows a decimal point; an
    export of unknown origin is read like Razorpay's."""
    text = _plain_number(raw, currency)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BacktestError(f"{where}: amount {raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise BacktestError(f"{where}: amount {raw!r} must be a positive number")
    scale = 10 ** minor_unit_exponent(currency) if flavour == "stripe" or "." in text else 1
    # Compared before scaling: "1e999999999" * 100 would overflow Decimal's context.
    if value > Decimal(MAX_AMOUNT_MINOR) / scale:
        raise AmountTooLarge(
            f"{where}: amount {raw!r} is too large (more than {MAX_AMOUNT_MINOR:,} {currency} "
            "minor units)"
        )
    value *= scale
    if value != value.to_integral_value():
        raise BacktestError(f"{where}: amount {raw!r} has more decimals than {currency} allows")
    return int(value)
