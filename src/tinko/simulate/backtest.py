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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import DeclineSignal, classify
from tinko.kit.money import is_known_currency, minor_unit_exponent
from tinko.payments.models import PaymentEvent, Transaction
from tinko.simulate.minimums import minimum_charge
from tinko.simulate.scenario import GATEWAYS
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
# Statuses, folded like headers. A failed row must have a code; a row with a code and any
# status that is not a known success (Stripe's "Blocked", Adyen's "Refused"…) is a failure
# too. Stripe's statuses: https://docs.stripe.com/api/charges/object (`status`, `refunded`,
# `disputed`); Razorpay's: https://razorpay.com/docs/payments/payments/ ("Payment Life Cycle").
_FAILED: Final = frozenset({"failed", "declined", "requires_payment_method", "canceled", ""})
_SUCCEEDED: Final = frozenset(
    {"paid", "succeeded", "captured", "authorized", "refunded", "partially_refunded"} | {"disputed"}
)
# Payment methods are matched by word ("ACH Direct Debit", "us_bank_account", "UPI AutoPay"):
# cards, bank debits, UPI and e-mandates are simulated; anything else (Klarna, iDEAL,
# Bancontact, Afterpay, PayPal, Link and other wallets, netbanking, EMI, pay later) is a
# one-off, customer-present payment the world cannot retry, so its rows are left out.
# Stripe's payment method types: https://docs.stripe.com/api/payment_methods/object (`type`);
# Razorpay's `method`: https://razorpay.com/docs/api/payments/ (card, netbanking, wallet, emi,
# upi, emandate, nach...).
# The customer pushes these: no retry, left out.
_PUSHED: Final = frozenset({"ach_credit_transfer", "customer_balance", "bank_transfer"})
# Stripe's bank debits and the legacy source type "ach_debit". ACH has NACHA's reinitiation
# limit; the other debits (Bacs, BECS, ACSS) are simulated like SEPA's: days to answer, no
# scheme cap.
_ACH: Final = frozenset({"us_bank_account", "ach_debit", "ach"})
_OTHER_DEBITS: Final = frozenset({"sepa_debit", "bacs_debit", "au_becs_debit", "acss_debit"})
_DEBIT_SCHEMES: Final = frozenset({"sepa", "bacs", "becs", "acss"})
_CARD_WORDS: Final = frozenset({"card", "cards", "credit", "debit"})
_NETWORKS: Final = frozenset(
    {"visa", "mastercard", "master", "amex", "american", "express", "discover", "jcb"}
    | {"rupay", "diners", "club", "unionpay", "maestro", "cartes", "bancaires", "eftpos"}
)


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
    rows_read: int = 0  # data rows, blank lines aside
    left_out: Counter[str] = field(default_factory=Counter)  # method -> failures left out
    unknown_codes: list[str] = field(default_factory=list)  # "FILE:LINE: 'code'", kept

    def leave_out(self, method: str) -> None:
        self.skipped_methods += 1
        self.left_out[_key(method) or "unknown"] += 1

    def bad(self, reason: str, where: str) -> None:
        self.bad_rows.setdefault(reason, []).append(where)


def _key(header: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in header.strip().lower())
    return "_".join(part for part in out.split("_") if part)


def _method(method: str, network: str) -> str | None:
    """The scenario's payment method; None for one the world cannot simulate. No method
    means a card; card brands other than Mastercard and RuPay are simulated as Visa cards."""
    key = _key(method)
    words = set(key.split("_")) - {""}
    if key in _PUSHED or "transfer" in words:
        return None
    if key in _ACH or "ach" in words:
        return "ach_debit"
    if key in _OTHER_DEBITS or words & _DEBIT_SCHEMES or {"direct", "debit"} <= words:
        return "sepa_debit"
    if "upi" in words:
        return "upi_autopay"
    if words & {"emandate", "mandate", "nach"}:
        return "emandate"
    if words and not words & _CARD_WORDS and not words <= _NETWORKS:
        return None
    brand = f"{network} {method}".lower()
    if "master" in brand:
        return "mastercard_card"
    if "rupay" in brand:
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


# Digit-only dates are read by magnitude: Excel's serial day numbers (day 1 is 1900-01-01, so
# day 0 is 1899-12-30 with Excel's 1900 leap-year bug; "1/1/2008" is 39448, see
# https://support.microsoft.com/en-us/office/datevalue-function-df8b07d4-7761-4a93-bc33-b7471bbff252),
# else Unix seconds, milliseconds, microseconds or nanoseconds since 1970.
_EXCEL_DAY_ZERO: Final = date(1899, 12, 30)
_PLAUSIBLE: Final = (date(1990, 1, 1), date(2100, 12, 31))  # a payment outside is a typo
_EXCEL_SERIALS: Final = (
    (_PLAUSIBLE[0] - _EXCEL_DAY_ZERO).days,
    (_PLAUSIBLE[1] - _EXCEL_DAY_ZERO).days + 1,
)
_EPOCH_SCALES: Final = ((10**11, 1), (10**14, 10**3), (10**17, 10**6), (10**20, 10**9))
_NUMBER: Final = re.compile(r"\d+(\.\d+)?")


def _numeric_day(text: str) -> date:
    value = Decimal(text)
    if _EXCEL_SERIALS[0] <= value < _EXCEL_SERIALS[1]:
        return _EXCEL_DAY_ZERO + timedelta(days=int(value))
    scale = next((s for limit, s in _EPOCH_SCALES if value < limit), None)
    if scale is None:
        raise ValueError(f"{text} is too large for a date")
    try:  # fromtimestamp raises OverflowError or OSError past the platform's range
        return datetime.fromtimestamp(float(value / scale), UTC).date()
    except (OverflowError, OSError) as exc:
        raise ValueError(f"{text} is not a date") from exc


def _day(
    raw: str, order: str | None = "day", layout: str | None = None, zone: tzinfo = UTC
) -> date:
    """The UTC day of ``raw``; a time without an offset is in ``zone`` (the column's)."""
    text = raw.strip()
    if layout is not None:
        moment = datetime.strptime(text, layout)  # noqa: DTZ007 (naive: the zone is set below)
    elif _NUMBER.fullmatch(text):
        return _checked(_numeric_day(text))
    else:
        moment = _text_moment(text, order)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return _checked(moment.astimezone(UTC).date())


def _checked(day: date) -> date:
    if not _PLAUSIBLE[0] <= day <= _PLAUSIBLE[1]:
        raise ValueError(f"{day} is not between {_PLAUSIBLE[0].year} and {_PLAUSIBLE[1].year}")
    return day


def _text_moment(text: str, order: str | None) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in _DAY_FIRST:
        if order == "month":
            pattern = pattern.replace("%d/%m", "%m/%d").replace("%d-%m", "%m-%d")
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 (the caller sets the zone)
        except ValueError:
            continue
    return datetime.fromisoformat(text[:10])


# Stripe's export names the zone of its dates in the header: "Created date (UTC)", "Created
# (UTC)", or the zone chosen when exporting, "Created date (America/New_York)".
_ZONED_DATE: Final = re.compile(r"created(?: date)?\s*\((?P<zone>[^)]+)\)", re.IGNORECASE)


def _date_column(path: Path, header: list[str]) -> tuple[int, tzinfo] | None:
    for i, name in enumerate(header):
        match = _ZONED_DATE.fullmatch(name.strip())
        if match is None:
            continue
        zone = match["zone"].strip()
        if zone.upper() in ("UTC", "GMT"):
            return i, UTC
        try:
            return i, ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise BacktestError(
                f"{path}: the date column {name!r} names {zone!r}, not an IANA time zone"
            ) from None
    return None


_FLAVOURS: Final = ("stripe", "razorpay")


def _flavour(keys: set[str]) -> str | None:
    if keys & _STRIPE_ONLY:
        return "stripe"
    if keys & _RAZORPAY_ONLY:
        return "razorpay"
    return None


def read_csv(path: Path) -> list[FailedPayment]:
    return read_export(path).failures


def read_export(path: Path, date_format: str | None = None, gateway: str | None = None) -> Export:
    """``gateway`` (`--gateway`), when it is Stripe or Razorpay, says whose export it is and
    so the amounts' units; otherwise the columns tell."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read_rows(path, csv.reader(handle), date_format, gateway)
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
# …or says the bank gave no reason: Stripe's generic_decline ("declined for an unknown
# reason", https://docs.stripe.com/declines/codes).
_SELLER_GENERIC: Final = re.compile(r"did not return any further details", re.IGNORECASE)
# Razorpay's error_code is a type, not a reason (https://razorpay.com/docs/errors): without an
# error_reason, the error_description's text says more.
_RAZORPAY_TYPES: Final = frozenset({"BAD_REQUEST_ERROR", "GATEWAY_ERROR", "SERVER_ERROR"})


class _Columns:
    """Where each field is in a row. For each field the first spelling present in the header
    wins; a row's value is the first non-empty cell among that spelling's columns, so a
    repeated header ("Status" twice) reads the first one and an empty copy shadows nothing."""

    def __init__(self, path: Path, header: list[str]) -> None:
        keys = [_key(h) for h in header]
        self.at: dict[str, list[int]] = {}
        for wanted, names in _COLUMNS.items():
            name = next((n for n in names if n in keys), None)
            self.at[wanted] = [i for i, k in enumerate(keys) if k == name]
        self.codes = [i for n in _COLUMNS["code"] for i, k in enumerate(keys) if k == n]
        self.seller = [i for i, k in enumerate(keys) if k == "seller_message"]
        self.description = [i for i, k in enumerate(keys) if k == "error_description"]
        self.zone: tzinfo = UTC
        if (zoned := _date_column(path, header)) is not None:
            self.at["created"], self.zone = [zoned[0]], zoned[1]
        self.keys = set(keys)

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


def _described(text: str, gateway: str) -> str | None:
    """The code the classifier reads in an error message ("Payment failed due to insufficient
    balance" is insufficient_funds); None when it reads none."""
    if not text:
        return None
    category = classify(DeclineSignal(gateway=gateway, failure_message=text)).category
    return category if category != "unknown" and canonical_code(gateway, category) else None


def _first_filled(row: list[str], columns: list[int]) -> str:
    return next((v for i in columns if i < len(row) and (v := row[i].strip())), "")


@dataclass(frozen=True, slots=True)
class _Kept:
    where: str
    code: str
    currency: str
    method: str
    created: str
    amount: str


def _read_rows(
    path: Path, reader: Iterator[list[str]], date_format: str | None, given: str | None
) -> Export:
    header = next(reader, None)
    if header is None:
        raise BacktestError(f"{path}: the file is empty")
    columns = _Columns(path, header)
    for needed in ("amount", "currency", "code"):
        if not columns.at[needed] and not (needed == "code" and columns.seller):
            raise BacktestError(
                f"{path}: no {needed} column (looked for {', '.join(_COLUMNS[needed])})"
            )
    flavour = given if given in _FLAVOURS else _flavour(columns.keys)
    gateway = flavour or "stripe"
    export = Export([], flavour, 0)
    kept: list[_Kept] = []
    first_seen: dict[str, int] = {}  # payment id -> line
    line_num = getattr(reader, "line_num", 1)
    for row in reader:
        # The row starts on the line after the previous row ended: a quoted field may span
        # several lines.
        line, line_num = line_num + 1, getattr(reader, "line_num", line_num + 1)
        if not any(cell.strip() for cell in row):
            continue
        export.rows_read += 1
        where = f"{path}:{line}"
        if (payment := columns.cell(row, "id")) in first_seen:
            # The same export pasted twice: each payment counts once.
            export.bad(
                DUPLICATE, f"{where}: {payment} was already read on line {first_seen[payment]}"
            )
            continue
        if payment:
            first_seen[payment] = line
        code = columns.code(row, gateway)
        status = _key(columns.cell(row, "status"))
        if status in _SUCCEEDED or (status not in _FAILED and not code):
            continue  # a successful (or refunded, pending) payment: not a failure
        if not code:
            # Nothing says why it failed: reported, not guessed (a retry plan depends on it).
            message = columns.seller_message(row)
            detail = f" (Seller Message: {message!r})" if message else ""
            export.bad("no decline code", f"{where}: a failed payment without a code{detail}")
            continue
        method = _method(columns.cell(row, "method"), columns.cell(row, "network"))
        if method is None:
            export.leave_out(columns.cell(row, "method"))
            continue
        kept.append(
            _Kept(
                where,
                code,
                columns.cell(row, "currency"),
                method,
                columns.cell(row, "created"),
                columns.cell(row, "amount"),
            )
        )
    order = None if date_format else slash_order(k.created for k in kept)
    dated: list[tuple[str, FailedPayment]] = []
    for k in kept:
        currency = k.currency.upper()
        if not is_known_currency(currency):
            export.bad("currency", f"{k.where}: {k.currency!r} is not an ISO 4217 code")
            continue
        if not k.created:
            export.bad("no date", f"{k.where}: the date is empty")
            continue
        try:
            at = _day(k.created, order, date_format, columns.zone)
        except ValueError:
            export.bad("date", f"{k.where}: {k.created!r} is not readable")
            continue
        try:
            amount = _amount(k.amount, currency, flavour, k.where)
        except BacktestError as exc:
            export.bad("amount", str(exc))
            continue
        if amount < minimum_charge(gateway, currency):
            export.bad("amount", f"{k.where}: {k.amount} is below {gateway}'s minimum charge")
            continue
        known = canonical_code(gateway, k.code)
        if known is None:  # kept: it behaves as a temporary block
            export.unknown_codes.append(f"{k.where}: {k.code!r}")
        failure = FailedPayment(known or k.code, amount, currency, k.method, at)
        dated.append((k.where, failure))
    _keep_newest_year(export, dated)
    return export


DUPLICATE: Final = "duplicate payment id"
# A simulated world spans at most 366 days (docs/simulator.md, `days`): an export covering
# more is simulated on its newest year of failures, the older ones reported.
YEAR_DAYS: Final = 366
OLDER_THAN_A_YEAR: Final = f"older than the newest {YEAR_DAYS} days"


def _keep_newest_year(export: Export, dated: list[tuple[str, FailedPayment]]) -> None:
    if not dated:
        return
    newest = max(f.at for _, f in dated)
    first = newest - timedelta(days=YEAR_DAYS - 1)
    for where, failure in dated:
        if failure.at < first:
            export.bad(
                OLDER_THAN_A_YEAR,
                f"{where}: {failure.at} is before {first}, {YEAR_DAYS} days before the "
                f"newest failure ({newest})",
            )
        else:
            export.failures.append(failure)


def failed_amounts(export: Export) -> dict[str, int]:
    """The kept failures' total amount per currency, in minor units, most failures first."""
    totals: Counter[str] = Counter()
    counts = Counter(f.currency for f in export.failures)
    for failure in export.failures:
        totals[failure.currency] += failure.amount_minor
    return {currency: totals[currency] for currency, _ in counts.most_common()}


def input_summary(export: Export, examples: int = 3) -> dict[str, object]:
    """What the input held and what was left out, for `--json` (its ``input`` object)."""
    return {
        "rows_read": export.rows_read,
        "failures_kept": len(export.failures),
        "skipped": {
            reason: {"count": len(rows), "examples": rows[:examples]}
            for reason, rows in sorted(export.bad_rows.items())
        },
        "left_out_methods": dict(export.left_out.most_common()),
        "failed_amounts": failed_amounts(export),
        "unknown_codes": {
            "count": len(export.unknown_codes),
            "examples": export.unknown_codes[:examples],
        },
    }


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
    dated: list[tuple[str, FailedPayment]] = []
    gateways: Counter[str] = Counter()
    seen: set[str] = set()
    export = Export([], None, 0)
    for event, txn in rows:
        if txn.id in seen:
            continue
        seen.add(txn.id)
        stored = event.payment_method_type or txn.payment_method_type or ""
        if txn.gateway == "stripe" and stored == "netbanking":  # Stripe's us_bank_account
            stored = "us_bank_account"
        method = _method(stored, txn.card_network or "")
        if method is None:
            export.leave_out(stored)
            continue
        gateways[txn.gateway] += 1
        dated.append(
            (
                f"event {event.id}",
                FailedPayment(
                    code=event.decline_code
                    or event.failure_code
                    or event.network_decline_code
                    or "unknown",
                    amount_minor=event.amount_minor,
                    currency=event.currency,
                    method=method,
                    at=event.occurred_at.date(),
                ),
            )
        )
    known = [g for g, _ in gateways.most_common() if g in GATEWAYS]
    export.gateway = known[0] if known else None
    _keep_newest_year(export, dated)
    return export
