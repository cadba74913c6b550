"""Where an export's fields are: its columns matched by their (folded) names, whose export it
is (Stripe's or Razorpay's) from the columns only one of them writes, and each row's decline
code from the decline columns or the messages beside them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Final

from tinko.classifier import DeclineSignal, classify
from tinko.simulate.export_amounts import MINOR_COLUMNS
from tinko.simulate.export_dates import zoned_date_column
from tinko.simulate.export_errors import BacktestError
from tinko.simulate.export_keys import key
from tinko.simulate.scenario_codes import canonical_code

# Header names as the exports spell them, lower-cased with spaces, dashes and brackets folded
# to underscores ("Created date (UTC)" -> created_date_utc). Stripe's Dashboard payments export
# (Payments -> Export) writes e.g. id, Created date (UTC) / Created (UTC), Amount, Currency,
# Status, Decline Reason, Seller Message, Card Brand, Customer Email, PaymentIntent ID.
# Razorpay's payments report writes the API's field names: id, amount, currency, status,
# method, error_code, error_description, error_reason, card_network, created_at.
# For each field the first column present wins; for the code, the first non-empty one per row
# (Razorpay's error_code is often the generic BAD_REQUEST_ERROR beside a precise error_reason).
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "amount": ("amount", *sorted(MINOR_COLUMNS)),
    "currency": ("currency",),
    "code": (
        "decline_code",
        "decline_reason",
        "error_reason",
        "error_code",
        "failure_code",
        "outcome_reason",
        # Other PSPs' own codes (Braintree's 2001, Checkout.com's 20051): mostly unknown to the
        # classifier, so their words beside them are read (``Columns.reading``). Not Adyen's
        # refusalReasonCode: its "12" (not enough balance) would read as ISO 8583's 12.
        "processor_response_code",
        "response_code",
    ),
    "method": ("method", "payment_method_type", "payment_source_type", "payment_method"),
    "network": ("card_brand", "card_network", "network", "brand"),
    "created": ("created_at", "created", "date"),  # after a `Created … (ZONE)` column
    "status": ("status",),
    "id": ("id", "payment_id", "charge_id"),
}
# Columns only one PSP's export has: they tell whose export it is, hence the amounts' units
# and whose decline codes the rows hold.
_STRIPE_ONLY: Final = frozenset(
    {
        "created_utc",
        "created_date_utc",
        "decline_reason",
        "seller_message",
        "card_brand",
        "paymentintent_id",
        "converted_amount",
        "customer_email",
    }
)
_RAZORPAY_ONLY: Final = frozenset(
    {"error_code", "error_description", "error_reason", "card_network", "vpa", "created_at"}
)
FLAVOURS: Final = ("stripe", "razorpay")

# Stripe's Seller Message names the code when no decline column does:
# "The bank returned the decline code `insufficient_funds`."
_SELLER_CODE: Final = re.compile(r"`([A-Za-z0-9_]+)`")
# …or says the bank gave no reason: Stripe's generic_decline ("declined for an unknown
# reason", https://docs.stripe.com/declines/codes).
_SELLER_GENERIC: Final = re.compile(r"did not return any further details", re.IGNORECASE)
# Razorpay's error_code is a type, not a reason (https://razorpay.com/docs/errors): without an
# error_reason, the error_description's text says more.
_RAZORPAY_TYPES: Final = frozenset({"BAD_REQUEST_ERROR", "GATEWAY_ERROR", "SERVER_ERROR"})
# Columns in words that other exports write beside (or instead of) a code the classifier may
# not know: Stripe's API `failure_message` (https://docs.stripe.com/api/charges/object),
# Braintree's `processor_response_text` (https://developer.paypal.com/braintree/docs/reference/general/processor-responses/authorization-responses),
# Checkout.com's `response_summary` (https://www.checkout.com/docs/developer-resources/codes/api-response-codes),
# Adyen's `refusalReason` (https://docs.adyen.com/development-resources/refusal-reasons),
# then Razorpay's `error_description`. Not Stripe's Seller Message: beside its code it says
# what Stripe did ("Blocked because Radar flagged it": the merchant's own fraud rule, no
# decline to recover).
_WORDS: Final = (
    "failure_message",
    "processor_response_text",
    "response_summary",
    "refusal_reason",
    "error_description",
)


class Columns:
    """Where each field is in a row. For each field the first spelling present in the header
    wins; a row's value is the first non-empty cell among that spelling's columns, so a
    repeated header ("Status" twice) reads the first one and an empty copy shadows nothing.
    A header without an amount, currency or decline code column is refused."""

    def __init__(self, path: Path, header: list[str]) -> None:
        keys = [key(h) for h in header]
        self.at: dict[str, list[int]] = {}
        self.named: dict[str, str | None] = {}  # field -> the header spelling read
        for wanted, names in COLUMNS.items():
            name = next((n for n in names if n in keys), None)
            self.at[wanted] = [i for i, k in enumerate(keys) if k == name]
            self.named[wanted] = name
        self.codes = [i for n in COLUMNS["code"] for i, k in enumerate(keys) if k == n]
        self.seller = [i for i, k in enumerate(keys) if k == "seller_message"]
        self.description = [i for i, k in enumerate(keys) if k == "error_description"]
        self.words = [i for n in _WORDS for i, k in enumerate(keys) if k == n]
        self.zone: tzinfo = UTC
        if (zoned := zoned_date_column(path, header)) is not None:
            self.at["created"], self.zone = [zoned[0]], zoned[1]
        self.keys = set(keys)
        for needed in ("amount", "currency", "code"):
            if not self.at[needed] and not (needed == "code" and (self.seller or self.words)):
                looked = [*COLUMNS[needed], *(_WORDS if needed == "code" else ())]
                raise BacktestError(f"{path}: no {needed} column (looked for {', '.join(looked)})")

    def flavour(self) -> str | None:
        """Whose export it is, from the columns only one PSP writes; None when none says."""
        if self.keys & _STRIPE_ONLY:
            return "stripe"
        if self.keys & _RAZORPAY_ONLY:
            return "razorpay"
        return None

    def cell(self, row: list[str], field: str) -> str:
        return _first_filled(row, self.at[field])

    def code(self, row: list[str], gateway: str) -> str:
        code = _first_filled(row, self.codes)
        message = self.seller_message(row)
        if not code and (said := _SELLER_CODE.search(message)):
            code = said[1]
        if not code and _SELLER_GENERIC.search(message):
            code = "generic_decline"
        if (not code or code.upper() in _RAZORPAY_TYPES) and self.description:
            code = _described(_first_filled(row, self.description), gateway) or code
        return code

    def seller_message(self, row: list[str]) -> str:
        return _first_filled(row, self.seller)

    def reading(self, row: list[str], code: str, gateway: str) -> tuple[str, str] | None:
        """For a code the classifier does not know (Braintree's "2001 Insufficient Funds",
        Adyen's "Not enough balance"), or none: the code it reads in the code's own words,
        else in the row's message columns, with the words it read; None when it reads none."""
        texts = (code, *(row[i].strip() for i in self.words if i < len(row)))
        for text in texts:
            if known := _described(text, gateway):
                return known, text
        return None


def _described(text: str, gateway: str) -> str | None:
    """The code the classifier reads in an error message ("Payment failed due to insufficient
    balance" is insufficient_funds); None when it reads none."""
    if not text:
        return None
    category = classify(DeclineSignal(gateway=gateway, failure_message=text)).category
    return category if category != "unknown" and canonical_code(gateway, category) else None


def _first_filled(row: list[str], columns: list[int]) -> str:
    return next((v for i in columns if i < len(row) and (v := row[i].strip())), "")
