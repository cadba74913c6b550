"""Backtesting: the simulator's comparison on an organisation's own failures.

The failures come from the database (`--org`: the org's `payment_failed` events) or from a CSV
export of failed payments (Stripe's or Razorpay's column names, matched loosely). From them we
derive the calibration: how many failures over how many days, the amounts, the currency, the
payment methods and networks, and the decline mix. Each code's behaviour in the world is
inferred from the classifier's category (we cannot know the issuer's hidden truth from an
export); everything else (incomes, outages, responses) keeps the documented defaults.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.kit.money import is_known_currency, minor_unit_exponent
from tinko.payments.models import PaymentEvent, Transaction
from tinko.simulate.minimums import minimum_charge
from tinko.simulate.scenario import DEFAULT_START, GATEWAYS
from tinko.simulate.scenario_codes import canonical_code

# Header names as the exports spell them, lower-cased with spaces, dashes and brackets folded
# to underscores ("Created date (UTC)" -> created_date_utc). Stripe's Dashboard payments export
# (Payments -> Export) writes e.g. id, Created date (UTC) / Created (UTC), Amount, Currency,
# Status, Decline Reason, Seller Message, Card Brand, Customer Email, PaymentIntent ID.
# Razorpay's payments report writes the API's field names: id, amount, currency, status,
# method, error_code, error_description, error_reason, card_network, created_at.
# For each field the first column present wins; for the code, the first non-empty one per row
# (Razorpay's error_code is often the generic BAD_REQUEST_ERROR beside a precise error_reason).
_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "amount": ("amount", "amount_minor"),
    "currency": ("currency",),
    "code": (
        "decline_code",
        "decline_reason",
        "error_reason",
        "error_code",
        "failure_code",
        "outcome_reason",
    ),
    "method": ("method", "payment_method_type", "payment_source_type", "payment_method"),
    "network": ("card_brand", "card_network", "network", "brand"),
    "created": ("created_date_utc", "created_utc", "created_at", "created", "date"),
    "status": ("status",),
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
_FAILED: Final = frozenset({"failed", "declined", "requires_payment_method", "canceled", ""})
# Payment methods the world cannot simulate (one-off, customer-present): their rows are left out.
_NOT_SIMULATED: Final = frozenset(
    {"netbanking", "wallet", "emi", "cardless_emi", "paylater", "bank_transfer", "app"}
    | {"ach_credit_transfer", "customer_balance"}  # the customer pushes these: no retry
)
# Stripe's payment method types for bank debits (https://docs.stripe.com/api/payment_methods/object
# `type`), and the legacy source type "ach_debit". ACH has NACHA's reinitiation limit; the
# other debits (Bacs, BECS, ACSS) are simulated like SEPA's: days to answer, no scheme cap.
_ACH: Final = frozenset({"us_bank_account", "ach_debit", "ach"})
_OTHER_DEBITS: Final = frozenset({"sepa_debit", "bacs_debit", "au_becs_debit", "acss_debit"})


class BacktestError(ValueError):
    """The input has no usable failures, or a row cannot be read; the message says which."""


@dataclass(frozen=True, slots=True)
class FailedPayment:
    code: str
    amount_minor: int
    currency: str
    method: str  # one of the scenario's payment methods
    at: date


@dataclass(slots=True)
class Export:
    """What a CSV export held: the failures to learn from and whose export it was."""

    failures: list[FailedPayment]
    gateway: str | None  # stripe | razorpay, from the columns; None when they do not say
    skipped_methods: int  # failed rows on methods the world cannot simulate
    bad_rows: dict[str, list[str]] = field(default_factory=dict)  # reason -> "FILE:LINE: …"

    def bad(self, reason: str, where: str) -> None:
        self.bad_rows.setdefault(reason, []).append(where)


def _key(header: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in header.strip().lower())
    return "_".join(part for part in out.split("_") if part)


def _method(method: str, network: str) -> str | None:
    """The scenario's payment method; None for one the world cannot simulate. Card brands
    other than Mastercard and RuPay are simulated as Visa cards."""
    method, network = method.strip().lower(), network.lower()
    if method in _NOT_SIMULATED:
        return None
    if method in _ACH:
        return "ach_debit"
    if method in _OTHER_DEBITS:
        return "sepa_debit"
    if "upi" in method:
        return "upi_autopay"
    if "emandate" in method or "nach" in method:
        return "emandate"
    if "master" in network:
        return "mastercard_card"
    if "rupay" in network:
        return "rupay_card"
    return "visa_card"


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


def _amount(raw: str, currency: str, flavour: str | None, where: str) -> int:
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
    if flavour == "stripe" or "." in text:
        value *= 10 ** minor_unit_exponent(currency)
    if value != value.to_integral_value():
        raise BacktestError(f"{where}: amount {raw!r} has more decimals than {currency} allows")
    return int(value)


# Razorpay's reports write day first (Indian convention); ISO and Unix seconds are tried first.
_DAY_FIRST: Final = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S")


_SLASHED: Final = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-]\d{4}")


def slash_order(texts: Iterable[str]) -> str | None:
    """``day`` or ``month`` first, as the file's own dates show (a part above 12 can only be
    a day); None when no date is written with slashes. Every slashed date ≤ 12/12 leaves it
    undecidable: BacktestError asks for --date-format rather than guessing."""
    firsts, seconds, example = [], [], None
    for text in texts:
        match = _SLASHED.match(text.strip())
        if match:
            firsts.append(int(match[1]))
            seconds.append(int(match[2]))
            example = example or text.strip()
    if not firsts:
        return None
    if max(firsts) > 12:
        return "day"
    if max(seconds) > 12:
        return "month"
    raise BacktestError(
        f"dates such as {example!r} could be day-first or month-first; give "
        "--date-format '%d/%m/%Y' (or '%d/%m/%Y %H:%M:%S') or '%m/%d/%Y'"
    )


def _day(raw: str, order: str | None = "day", layout: str | None = None) -> date:
    text = raw.strip()
    if layout is not None:
        return datetime.strptime(text, layout).replace(tzinfo=UTC).date()
    if text.isdigit():  # Unix seconds, as the PSPs' APIs write them
        return datetime.fromtimestamp(int(text), UTC).date()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for pattern in _DAY_FIRST:
        if order == "month":
            pattern = pattern.replace("%d/%m", "%m/%d").replace("%d-%m", "%m-%d")
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    return date.fromisoformat(text[:10])


def _flavour(keys: set[str]) -> str | None:
    if keys & _STRIPE_ONLY:
        return "stripe"
    if keys & _RAZORPAY_ONLY:
        return "razorpay"
    return None


def _known_code(code: str, gateway: str) -> str:
    """The code as the classifier's table spells it, so that "Insufficient funds" and
    "insufficient_funds" in one export are one entry of the mix."""
    return canonical_code(gateway, code) or code


def read_csv(path: Path) -> list[FailedPayment]:
    return read_export(path).failures


def read_export(path: Path, date_format: str | None = None) -> Export:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read_rows(path, csv.DictReader(handle), date_format)
    except OSError as exc:
        raise BacktestError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BacktestError(
            f"{path}: not UTF-8 text (byte {exc.start}); export it as CSV"
        ) from None
    except csv.Error as exc:
        raise BacktestError(f"{path}: not a readable CSV file: {exc}") from None


# Stripe's Seller Message names the code when no decline column does:
# "The bank returned the decline code `insufficient_funds`."
_SELLER_CODE: Final = re.compile(r"`([A-Za-z0-9_]+)`")


def _read_rows(path: Path, reader: csv.DictReader[str], date_format: str | None) -> Export:
    headers = {_key(h): h for h in reader.fieldnames or () if h}
    found = {
        k: next((headers[c] for c in names if c in headers), None) for k, names in _COLUMNS.items()
    }
    seller = headers.get("seller_message")
    for needed in ("amount", "currency", "code"):
        if found[needed] is None and not (needed == "code" and seller):
            raise BacktestError(
                f"{path}: no {needed} column (looked for {', '.join(_COLUMNS[needed])})"
            )
    code_columns = [headers[c] for c in _COLUMNS["code"] if c in headers]
    flavour = _flavour(set(headers))
    gateway = flavour or "stripe"
    export = Export([], flavour, 0)
    kept: list[tuple[str, str, str, str, str]] = []  # where, code, currency, method, date
    amounts: list[str] = []
    for n, row in enumerate(reader, start=2):
        where = f"{path}:{n}"

        def cell(field: str, row: Mapping[str, str | None] = row) -> str:
            column = found[field]
            return (row.get(column) or "").strip() if column else ""

        code = next((c for col in code_columns if (c := (row.get(col) or "").strip())), "")
        if not code and seller and (said := _SELLER_CODE.search(row.get(seller) or "")):
            code = said[1]
        if cell("status").lower() not in _FAILED:
            continue  # a successful (or refunded, pending) payment: not a failure
        if not code:
            # Nothing says why it failed: reported, not guessed (a retry plan depends on it).
            message = (row.get(seller) or "").strip() if seller else ""
            detail = f" (Seller Message: {message!r})" if message else ""
            export.bad("no decline code", f"{where}: a failed payment without a code{detail}")
            continue
        method = _method(cell("method"), cell("network"))
        if method is None:
            export.skipped_methods += 1
            continue
        kept.append((where, code, cell("currency"), method, cell("created")))
        amounts.append(cell("amount"))
    order = None if date_format else slash_order(k[4] for k in kept)
    for (where, code, raw_currency, method, created), raw_amount in zip(kept, amounts, strict=True):
        currency = raw_currency.upper()
        if not is_known_currency(currency):
            export.bad("currency", f"{where}: {raw_currency!r} is not an ISO 4217 code")
            continue
        try:
            at = _day(created, order, date_format) if created else DEFAULT_START
        except ValueError:
            export.bad("date", f"{where}: {created!r} is not readable")
            continue
        try:
            amount = _amount(raw_amount, currency, flavour, where)
        except BacktestError as exc:
            export.bad("amount", str(exc))
            continue
        if amount < minimum_charge(gateway, currency):
            export.bad("amount", f"{where}: {raw_amount} is below {gateway}'s minimum charge")
            continue
        export.failures.append(
            FailedPayment(_known_code(code, gateway), amount, currency, method, at)
        )
    return export


def read_org(session: Session, org_id: str) -> Export:
    """Each transaction's first failure: later ones on the same transaction are retries (ours
    or the PSP's), which the simulation makes itself."""
    rows = session.execute(
        select(PaymentEvent, Transaction)
        .join(Transaction, Transaction.id == PaymentEvent.transaction_id)
        .where(
            PaymentEvent.org_id == org_id,
            Transaction.org_id == org_id,
            PaymentEvent.kind == "payment_failed",
        )
        .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
    ).all()
    failures: list[FailedPayment] = []
    gateways: Counter[str] = Counter()
    seen: set[str] = set()
    skipped = 0
    for event, txn in rows:
        if txn.id in seen:
            continue
        seen.add(txn.id)
        stored = event.payment_method_type or txn.payment_method_type or ""
        if txn.gateway == "stripe" and stored == "netbanking":  # Stripe's us_bank_account
            stored = "us_bank_account"
        method = _method(stored, txn.card_network or "")
        if method is None:
            skipped += 1
            continue
        gateways[txn.gateway] += 1
        failures.append(
            FailedPayment(
                code=event.decline_code
                or event.failure_code
                or event.network_decline_code
                or "unknown",
                amount_minor=event.amount_minor,
                currency=event.currency,
                method=method,
                at=event.occurred_at.date(),
            )
        )
    known = [g for g, _ in gateways.most_common() if g in GATEWAYS]
    return Export(failures, known[0] if known else None, skipped)
