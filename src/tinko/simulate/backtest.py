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
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import DeclineSignal, classify
from tinko.intake.models import PaymentEvent, Transaction
from tinko.simulate.scenario import Scenario, ScenarioError
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
# Header names as Stripe's and Razorpay's exports spell them, lower-cased and with spaces,
# dashes and brackets folded to underscores; the first one present wins.
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
    "method": ("method", "payment_method_type", "card_funding", "payment_method"),
    "network": ("card_brand", "card_network", "network", "brand"),
    "created": ("created_utc", "created_date_utc", "created_at", "created", "date"),
    "status": ("status",),
}
_FAILED: Final = frozenset({"failed", "declined", "requires_payment_method", "canceled", ""})


class BacktestError(ValueError):
    """The input has no usable failures, or a row cannot be read; the message says which."""


@dataclass(frozen=True, slots=True)
class FailedPayment:
    code: str
    amount_minor: int
    currency: str
    method: str  # one of the scenario's payment methods
    at: date


def _key(header: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in header.strip().lower())
    return "_".join(part for part in out.split("_") if part)


def _method(method: str, network: str) -> str:
    method, network = method.lower(), network.lower()
    if "upi" in method:
        return "upi_autopay"
    if "emandate" in method or "nach" in method:
        return "emandate"
    if "master" in network:
        return "mastercard_card"
    if "rupay" in network:
        return "rupay_card"
    return "visa_card"


def _amount(raw: str, where: str) -> int:
    text = raw.strip().replace(",", "")
    try:
        # Stripe's dashboard writes major units ("49.99"); Razorpay's exports minor units.
        return round(float(text) * 100) if "." in text else int(text)
    except ValueError:
        raise BacktestError(f"{where}: amount {raw!r} is not a number") from None


def _day(raw: str) -> date:
    text = raw.strip()
    if text.isdigit():  # Razorpay writes Unix seconds
        return datetime.fromtimestamp(int(text), UTC).date()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return date.fromisoformat(text[:10])


def read_csv(path: Path) -> list[FailedPayment]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise BacktestError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        headers = {_key(h): h for h in reader.fieldnames or ()}
        found = {
            k: next((headers[c] for c in names if c in headers), None)
            for k, names in _COLUMNS.items()
        }
        for needed in ("amount", "currency", "code"):
            if found[needed] is None:
                raise BacktestError(
                    f"{path}: no {needed} column (looked for {', '.join(_COLUMNS[needed])})"
                )
        rows = []
        for n, row in enumerate(reader, start=2):
            where = f"{path}:{n}"
            status = (row.get(found["status"] or "", "") or "").strip().lower()
            code = (row.get(found["code"] or "") or "").strip()
            if not code or status not in _FAILED:
                continue  # a successful payment, or a failure without a reason to learn from
            created = row.get(found["created"] or "") or ""
            try:
                at = _day(created) if created else date(2026, 1, 5)
            except ValueError:
                raise BacktestError(f"{where}: date {created!r} is not readable") from None
            rows.append(
                FailedPayment(
                    code=code,
                    amount_minor=_amount(row[found["amount"] or ""] or "", where),
                    currency=(row[found["currency"] or ""] or "").strip().upper(),
                    method=_method(
                        row.get(found["method"] or "", "") or "",
                        row.get(found["network"] or "", "") or "",
                    ),
                    at=at,
                )
            )
    return rows


def read_org(session: Session, org_id: str) -> list[FailedPayment]:
    rows = session.execute(
        select(PaymentEvent, Transaction)
        .join(Transaction, Transaction.id == PaymentEvent.transaction_id)
        .where(
            PaymentEvent.org_id == org_id,
            Transaction.org_id == org_id,
            PaymentEvent.kind == "payment_failed",
        )
    ).all()
    return [
        FailedPayment(
            code=event.decline_code
            or event.failure_code
            or event.network_decline_code
            or "unknown",
            amount_minor=event.amount_minor,
            currency=event.currency,
            method=_method(txn.payment_method_type or "", txn.card_network or ""),
            at=event.occurred_at.date(),
        )
        for event, txn in rows
    ]


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
        return read_document(doc)
    except ScenarioError as exc:
        raise BacktestError(f"the derived scenario is invalid: {exc}") from None
