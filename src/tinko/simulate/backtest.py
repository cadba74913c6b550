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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import DeclineSignal, classify
from tinko.kit.money import is_known_currency, minor_unit_exponent
from tinko.payments.models import PaymentEvent, Transaction
from tinko.simulate.scenario import DEFAULT_START, GATEWAYS, Scenario, ScenarioError
from tinko.simulate.scenario_codes import canonical_code
from tinko.simulate.scenario_read import read_document

# Classifier category → how the world makes that code behave.
BEHAVIOUR_OF: Final[Mapping[str, str]] = {
    "insufficient_funds": "funds",
    "limit_exceeded": "funds",
    "do_not_honor": "temporary_block",
    "processing_error": "temporary_block",
    "unknown": "temporary_block",
    "suspected_fraud": "lost_stolen",
    "issuer_unavailable": "issuer_outage",
    "expired_card": "expired_card",
    "invalid_card_data": "expired_card",
    "lost_stolen_fraud": "lost_stolen",
    "account_closed": "lost_stolen",
    "not_permitted": "lost_stolen",
    "authentication_required": "authentication",
    "upi_pending_timeout": "upi_timeout",
    "mandate_revoked": "mandate_revoked",
    "duplicate": "lost_stolen",
}
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


@dataclass(frozen=True, slots=True)
class Export:
    """What a CSV export held: the failures to learn from and whose export it was."""

    failures: list[FailedPayment]
    gateway: str | None  # stripe | razorpay, from the columns; None when they do not say
    skipped_methods: int  # failed rows on methods the world cannot simulate


def _key(header: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in header.strip().lower())
    return "_".join(part for part in out.split("_") if part)


def _method(method: str, network: str) -> str | None:
    """The scenario's payment method; None for one the world cannot simulate. Card brands
    other than Mastercard and RuPay are simulated as Visa cards."""
    method, network = method.strip().lower(), network.lower()
    if method in _NOT_SIMULATED:
        return None
    if "upi" in method:
        return "upi_autopay"
    if "emandate" in method or "nach" in method:
        return "emandate"
    if "master" in network:
        return "mastercard_card"
    if "rupay" in network:
        return "rupay_card"
    return "visa_card"


def _amount(raw: str, currency: str, flavour: str | None, where: str) -> int:
    """Minor units. Stripe's Dashboard export writes major units ("49.99", "¥3000" as 3000);
    Razorpay's report writes the API's subunits (paise) unless it shows a decimal point; an
    export of unknown origin is read like Razorpay's."""
    text = raw.strip().replace(",", "")
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


def _day(raw: str) -> date:
    text = raw.strip()
    if text.isdigit():  # Unix seconds, as the PSPs' APIs write them
        return datetime.fromtimestamp(int(text), UTC).date()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for layout in _DAY_FIRST:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC).date()
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


def read_export(path: Path) -> Export:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read_rows(path, csv.DictReader(handle))
    except OSError as exc:
        raise BacktestError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BacktestError(
            f"{path}: not UTF-8 text (byte {exc.start}); export it as CSV"
        ) from None
    except csv.Error as exc:
        raise BacktestError(f"{path}: not a readable CSV file: {exc}") from None


def _read_rows(path: Path, reader: csv.DictReader[str]) -> Export:
    headers = {_key(h): h for h in reader.fieldnames or () if h}
    found = {
        k: next((headers[c] for c in names if c in headers), None) for k, names in _COLUMNS.items()
    }
    for needed in ("amount", "currency", "code"):
        if found[needed] is None:
            raise BacktestError(
                f"{path}: no {needed} column (looked for {', '.join(_COLUMNS[needed])})"
            )
    code_columns = [headers[c] for c in _COLUMNS["code"] if c in headers]
    flavour = _flavour(set(headers))
    gateway = flavour or "stripe"
    rows: list[FailedPayment] = []
    skipped = 0
    for n, row in enumerate(reader, start=2):
        where = f"{path}:{n}"

        def cell(field: str, row: Mapping[str, str | None] = row) -> str:
            column = found[field]
            return (row.get(column) or "").strip() if column else ""

        code = next((c for col in code_columns if (c := (row.get(col) or "").strip())), "")
        if not code or cell("status").lower() not in _FAILED:
            continue  # a successful payment, or a failure without a reason to learn from
        method = _method(cell("method"), cell("network"))
        if method is None:
            skipped += 1
            continue
        currency = cell("currency").upper()
        if not is_known_currency(currency):
            raise BacktestError(f"{where}: currency {cell('currency')!r} is not an ISO 4217 code")
        created = cell("created")
        try:
            at = _day(created) if created else DEFAULT_START
        except ValueError:
            raise BacktestError(f"{where}: date {created!r} is not readable") from None
        rows.append(
            FailedPayment(
                code=_known_code(code, gateway),
                amount_minor=_amount(cell("amount"), currency, flavour, where),
                currency=currency,
                method=method,
                at=at,
            )
        )
    return Export(rows, flavour, skipped)


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
        method = _method(
            event.payment_method_type or txn.payment_method_type or "", txn.card_network or ""
        )
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


def calibrated_scenario(name: str, failures: Iterable[FailedPayment], gateway: str) -> Scenario:
    """A scenario with the same count, days, amounts, methods and decline mix."""
    rows = list(failures)
    if not rows:
        raise BacktestError("no failed payments with a decline code to learn from")
    currency = Counter(r.currency for r in rows).most_common(1)[0][0]
    rows = [r for r in rows if r.currency == currency]
    start, end = min(r.at for r in rows), max(r.at for r in rows)
    methods = Counter(r.method for r in rows)
    mix: Counter[tuple[str, str]] = Counter()
    for r in rows:
        mix[(r.code, r.method)] += 1
    mix_doc: list[dict[str, Any]] = []
    for (code, method), count in sorted(mix.items()):
        kind = "card" if method.endswith("_card") else method.split("_")[0]
        category = classify(
            DeclineSignal(gateway=gateway, decline_code=code, payment_method_type=kind)
        ).category
        mix_doc.append(
            {
                "code": code,
                "share": count,
                "behaviour": BEHAVIOUR_OF.get(category, "temporary_block"),
                "methods": [method],
            }
        )
    amounts = Counter(r.amount_minor for r in rows)
    doc = {
        "name": name,
        "currency": currency,
        "gateway": gateway,
        "start": start,
        "days": max(1, (end - start).days + 1),
        "failures": len(rows),
        "amount": {"choices": [{"value": v, "share": c} for v, c in sorted(amounts.items())]},
        "payment_methods": [{"type": m, "share": c} for m, c in sorted(methods.items())],
        "failure_mix": mix_doc,
    }
    try:
        return read_document(doc, strict_codes=False)
    except ScenarioError as exc:
        raise BacktestError(f"the derived scenario is invalid: {exc}") from None
