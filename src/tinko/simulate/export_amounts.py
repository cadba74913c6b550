"""How an export's amounts are read: currency symbols, grouping and decimal commas, and the
units (major or minor) of the whole file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from tinko.kit.money import MAX_AMOUNT_MINOR, is_known_currency, minor_unit_exponent
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


_DECIMAL: Final = re.compile(r"\d*\.\d+")  # "49.99", ".50": a number with a decimal point
Units = Literal["major", "minor"]
UNITS: Final = ("major", "minor")
# Amount columns that name minor units in their header ("amount_cents", "Amount (paise)").
MINOR_COLUMNS: Final = frozenset(
    {"amount_minor", "amount_cents", "amount_in_cents", "amount_paise", "amount_in_paise"}
)


@dataclass(frozen=True, slots=True)
class AmountUnits:
    """The units every amount of a file is read in, and why (the report says it)."""

    units: Units
    because: str
    guessed: bool = False  # nothing in the file said: the report asks for --amount-units


def file_units(
    given: str | None,
    flavour: str | None,
    column: str | None,
    amounts: Iterable[tuple[str, str, str]],
) -> AmountUnits:
    """One reading for the whole file, so "120" beside "49.99" is 120.00, not 1.20:
    ``--amount-units``, else a column named for minor units, else Stripe's export (major
    units, "¥3000" as 3000), else a decimal point in any amount of a currency that has
    minor units (major), else Razorpay's report (the API's paise), else minor units, as a
    guess the report names. ``amounts``: (raw, currency, where) of the rows kept."""
    if given in UNITS:
        return AmountUnits("major" if given == "major" else "minor", "--amount-units")
    if column in MINOR_COLUMNS:
        return AmountUnits("minor", f"the amount column is {column}")
    if flavour == "stripe":
        return AmountUnits("major", "Stripe's export writes major units")
    for raw, currency, where in amounts:
        code = currency.upper()
        if _has_minor_units(code) and _DECIMAL.fullmatch(_plain_number(raw, code)):
            return AmountUnits("major", f"{where}: {raw!r} has a decimal point")
    if flavour == "razorpay":
        return AmountUnits("minor", "Razorpay's report writes paise (the API's subunits)")
    return AmountUnits("minor", "no amount has a decimal point", guessed=True)


def _has_minor_units(currency: str) -> bool:
    # Not a currency: that row is refused for it, and says nothing of the units.
    return is_known_currency(currency) and minor_unit_exponent(currency) > 0


def minor_amount(raw: str, currency: str, units: Units, where: str) -> int:
    """The amount in minor units, read in the file's ``units`` (``file_units``)."""
    text = _plain_number(raw, currency)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BacktestError(f"{where}: amount {raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise BacktestError(f"{where}: amount {raw!r} must be a positive number")
    scale = 10 ** minor_unit_exponent(currency) if units == "major" else 1
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
