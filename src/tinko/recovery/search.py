"""Finding an organisation's recoveries: filters, search, keyset pages and counts.

The console's recoveries list reads through here (and the API may). Every query is built for
one organisation. Pages are keyset pages over the case id, newest first: ids are time-ordered,
so a page never shifts when new cases arrive, and the cost of a page does not grow with its
depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryCase

# The payment rails, by the payment method type intake records (docs/analytics.md).
RAILS: Final = (
    "card",
    "upi",
    "emandate",
    "netbanking",
    "wallet",
    "ach_debit",
    "sepa_debit",
    "bacs_debit",
)
GATEWAYS: Final = ("stripe", "razorpay", "sandbox")
PAGE_SIZE: Final = 25


@dataclass(frozen=True)
class CaseQuery:
    """What to look for; every field optional. Times are UTC instants (`until` exclusive),
    amounts minor units of `currency`."""

    status: str | None = None
    category: str | None = None
    rail: str | None = None
    gateway: str | None = None
    currency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    text: str | None = None  # a transaction reference (or its start), an email or a case id


@dataclass(frozen=True)
class CaseRow:
    id: str
    status: str
    category: str
    decline_type: str
    failed_at: datetime
    next_action_at: datetime | None
    closed_at: datetime | None
    transaction_ref: str
    amount_minor: int
    currency: str
    gateway: str
    rail: str | None
    customer_email: str | None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    next_after: str | None  # the id to continue after; None on the last page
    total: int  # cases matching the query, all pages
    by_status: dict[str, int] = field(default_factory=dict)  # the same, any status


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(org_id: str, query: CaseQuery, *, with_status: bool) -> list[ColumnElement[bool]]:
    c, t = RecoveryCase, Transaction
    found: list[ColumnElement[bool]] = [c.org_id == org_id, t.org_id == org_id]
    when = func.coalesce(c.failed_at, c.created_at)
    for column, value in (
        (c.status if with_status else None, query.status),
        (c.category, query.category),
        (t.payment_method_type, query.rail),
        (t.gateway, query.gateway),
        (t.currency, query.currency),
    ):
        if column is not None and value is not None:
            found.append(column == value)
    if query.since is not None:
        found.append(when >= query.since)
    if query.until is not None:
        found.append(when < query.until)
    if query.amount_min is not None:
        found.append(t.amount_minor >= query.amount_min)
    if query.amount_max is not None:
        found.append(t.amount_minor <= query.amount_max)
    text = (query.text or "").strip()
    if text:
        found.append(_text_condition(text))
    return found


def _text_condition(text: str) -> ColumnElement[bool]:
    c, t = RecoveryCase, Transaction
    if "@" in text:
        return func.lower(t.customer_email) == text.lower()
    prefix = _escape_like(text) + "%"
    return or_(t.transaction_ref == text, t.transaction_ref.like(prefix, escape="\\"), c.id == text)


_JOIN = Transaction.id == RecoveryCase.transaction_id


def find_cases(
    session: Session,
    org_id: str,
    query: CaseQuery,
    *,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> CasePage:
    """One page of matching cases, newest first, after the case id `after`; with counts."""
    c, t = RecoveryCase, Transaction
    columns = (
        c.id,
        c.status,
        c.category,
        c.decline_type,
        func.coalesce(c.failed_at, c.created_at),
        c.next_action_at,
        c.closed_at,
        t.transaction_ref,
        t.amount_minor,
        t.currency,
        t.gateway,
        t.payment_method_type,
        t.customer_email,
    )
    conditions = _conditions(org_id, query, with_status=True)
    statement = select(*columns).join(Transaction, _JOIN).where(*conditions)
    if after is not None:
        statement = statement.where(c.id < after)
    fetched = session.execute(statement.order_by(c.id.desc()).limit(limit + 1)).all()
    rows = [CaseRow(*tuple(row)) for row in fetched[:limit]]
    by_status = count_by_status(session, org_id, query)
    total = by_status.get(query.status, 0) if query.status else sum(by_status.values())
    next_after = rows[-1].id if len(fetched) > limit else None
    return CasePage(rows, next_after, total, by_status)


def count_by_status(session: Session, org_id: str, query: CaseQuery) -> dict[str, int]:
    """Matching cases per status, the status filter left out (the list's status tabs)."""
    c = RecoveryCase
    statement = (
        select(c.status, func.count(c.id))
        .join(Transaction, _JOIN)
        .where(*_conditions(org_id, query, with_status=False))
        .group_by(c.status)
    )
    return {str(status): int(n) for status, n in session.execute(statement).all()}


def distinct_values(session: Session, org_id: str) -> dict[str, Sequence[str]]:
    """Currencies the organisation's cases are in (the amount filter's choices)."""
    currencies = session.scalars(
        select(Transaction.currency)
        .where(Transaction.org_id == org_id)
        .distinct()
        .order_by(Transaction.currency)
    ).all()
    return {"currency": [str(code) for code in currencies]}
