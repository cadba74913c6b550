"""Every attempt on a card or mandate that the network counts, across cases and orders, and
the lock that serialises decisions about one card."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from tinko.payments.models import PaymentEvent, Transaction
from tinko.recovery.guard.types import PastAttempt
from tinko.recovery.models import RecoveryAttempt

# The longest counting window: NACHA's 180 days for a returned ACH debit (cards: 30 days).
HISTORY_DAYS = 181


def card_history(session: Session, transaction: Transaction, now: datetime) -> list[PastAttempt]:
    """Every attempt sent to the network on this card or mandate, across cases and orders."""
    if not transaction.payment_method_ref:
        return []
    histories = card_histories(session, transaction.org_id, [transaction.payment_method_ref], now)
    return histories[transaction.payment_method_ref]


def card_histories(
    session: Session, org_id: str, payment_method_refs: Iterable[str], now: datetime
) -> dict[str, list[PastAttempt]]:
    """`card_history` of several cards of one organisation in two queries, by reference.

    The history holds our retries and the failed payments we were told about: the networks
    count the original debit too (NPCI: one attempt plus three retries per cycle).
    """
    refs = sorted(set(payment_method_refs))
    histories: dict[str, list[PastAttempt]] = {ref: [] for ref in refs}
    if not refs:
        return histories
    since = now - timedelta(days=HISTORY_DAYS)
    # Attempts still running count too: they are on their way to the network, or are bank
    # debits the PSP took and settles days later. A debit we stopped waiting for (no answer,
    # but the PSP gave it a reference) was presented all the same: its return may still come.
    sent = or_(
        RecoveryAttempt.outcome.in_(("succeeded", "declined")),
        and_(RecoveryAttempt.status == "running", RecoveryAttempt.outcome.is_(None)),
        and_(RecoveryAttempt.outcome == "failed", RecoveryAttempt.psp_reference.is_not(None)),
    )
    rows = session.execute(
        select(
            RecoveryAttempt.payment_method_ref,
            RecoveryAttempt.started_at,
            RecoveryAttempt.finished_at,
            RecoveryAttempt.outcome,
            RecoveryAttempt.decline,
        ).where(
            RecoveryAttempt.org_id == org_id,
            RecoveryAttempt.payment_method_ref.in_(refs),
            RecoveryAttempt.kind == "psp_retry",
            sent,
            RecoveryAttempt.started_at >= since,
        )
    ).all()
    ours: dict[str, list[tuple[datetime, datetime]]] = {ref: [] for ref in refs}
    for ref, started_at, finished_at, outcome, decline in rows:
        decline = decline or {}
        ours[ref].append((started_at, finished_at or started_at))
        histories[ref].append(
            PastAttempt(
                at=started_at,
                initiator="merchant",
                approved=outcome == "succeeded",
                visa_category=decline.get("visa_category"),
                merchant_advice_code=decline.get("merchant_advice_code"),
            )
        )
    for ref, at, classification in _failed_payments(session, org_id, refs, since):
        if any(start - _OWN_ECHO <= at <= end + _OWN_ECHO for start, end in ours[ref]):
            continue  # the PSP's report of one of our own retries, counted above
        classification = classification or {}
        histories[ref].append(
            PastAttempt(
                at=at,
                initiator="merchant",
                approved=False,
                visa_category=classification.get("visa_category"),
                merchant_advice_code=classification.get("merchant_advice_code"),
            )
        )
    return histories


# A failure webhook this close to one of our retries on the same card is that retry's echo.
_OWN_ECHO = timedelta(minutes=10)


def _failed_payments(
    session: Session, org_id: str, refs: Sequence[str], since: datetime
) -> list[tuple[str, datetime, dict[str, Any] | None]]:
    """Failed payments reported on these cards since ``since``, one per PSP try (Stripe sends
    charge.failed and payment_intent.payment_failed for the same decline)."""
    rows = session.execute(
        select(
            Transaction.payment_method_ref,
            PaymentEvent.transaction_id,
            PaymentEvent.psp_attempt_id,
            PaymentEvent.occurred_at,
            PaymentEvent.classification,
        )
        .join(Transaction, Transaction.id == PaymentEvent.transaction_id)
        .where(
            PaymentEvent.org_id == org_id,
            Transaction.org_id == org_id,
            Transaction.payment_method_ref.in_(refs),
            PaymentEvent.kind == "payment_failed",
            PaymentEvent.occurred_at >= since,
        )
        .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
    ).all()
    seen: set[tuple[str, str]] = set()
    found: list[tuple[str, datetime, dict[str, Any] | None]] = []
    for ref, transaction_id, psp_attempt_id, occurred_at, classification in rows:
        if psp_attempt_id is not None:
            if (transaction_id, psp_attempt_id) in seen:
                continue
            seen.add((transaction_id, psp_attempt_id))
        found.append((ref, occurred_at, classification))
    return found


def lock_payment_methods(session: Session, methods: Iterable[tuple[str, str]]) -> None:
    """Serialise decisions about these cards or mandates (org, reference), always in sorted
    order, so two workers cannot both take the last attempt a network cap allows. SQLite's
    write gate already serialises every writer."""
    keys = sorted({f"tinko:pm:{org_id}:{ref}" for org_id, ref in methods})
    if not keys or session.get_bind().dialect.name != "postgresql":
        return
    # One round trip; the array is sorted and read in order, so every worker locks the same way.
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) "
            "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS k(key, n) ORDER BY n"
        ),
        {"keys": keys},
    )
