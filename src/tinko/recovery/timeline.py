"""A case's timeline: what happened to it, in order. Entries are written once, never edited.

Entries the merchant's systems may want are also sent to their webhook endpoints
(`merchant_webhooks.emit`), with the case, the attempt and the reason for the step."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tinko.audit.writer import plain
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_row
from tinko.merchant_webhooks.service import emit, wants
from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, TimelineEntry

# Timeline entries that are merchant webhook events.
WEBHOOK_EVENTS = {
    "planned": "recovery.attempt_scheduled",
    "attempt_failed": "recovery.attempt_failed",
    "attempt_declined": "recovery.attempt_failed",
    "blocked": "recovery.attempt_failed",
    "recovered": "recovery.recovered",
    "exhausted": "recovery.exhausted",
    "cancelled": "recovery.cancelled",
}


def log(
    session: Session, clock: Clock, case: RecoveryCase, entry_kind: str, /, **detail: Any
) -> None:
    """Append to the case's timeline."""
    insert_row(
        session,
        TimelineEntry,
        {
            "id": new_id("tle"),
            "org_id": case.org_id,
            "case_id": case.id,
            "at": clock.now(),
            "kind": entry_kind,
            "detail": {k: v for k, v in detail.items() if v is not None},
        },
    )
    event_type = WEBHOOK_EVENTS.get(str(entry_kind))
    if event_type is not None and wants(session, case.org_id, event_type):
        data = case_data(session, case, entry_kind, detail)
        emit(session, clock.now(), case.org_id, event_type, data)


def case_data(
    session: Session, case: RecoveryCase, entry_kind: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """What a merchant webhook says of a case: the case, the step, and why (the reason)."""
    transaction = session.get(Transaction, case.transaction_id)
    data: dict[str, Any] = {
        "recovery_id": case.id,
        "transaction_id": case.transaction_id,
        "transaction_ref": transaction.transaction_ref if transaction else None,
        "status": case.status,
        "category": case.category,
        "decline_type": case.decline_type,
        "step": str(entry_kind),
        "explanation": detail.get("reason") or case.classification.get("reason"),
        "detail": plain({k: v for k, v in detail.items() if v is not None}),
    }
    attempt_id = detail.get("attempt_id")
    attempt = _attempt(session, attempt_id) if attempt_id else None
    if attempt is not None:
        data["attempt"] = plain(
            {
                "id": attempt.id,
                "kind": attempt.kind,
                "channel": attempt.channel,
                "number": attempt.attempt_number,
                "scheduled_for": attempt.scheduled_for,
                "outcome": attempt.outcome,
                "detail": attempt.detail,
                "planned_by": attempt.planned_by,
                # The decision's structured reason, on attempts that carry one.
                "reason": getattr(attempt, "reason", None),
            }
        )
    return data


def _attempt(session: Session, attempt_id: str) -> RecoveryAttempt | None:
    """The attempt, also when it was added in this unit of work and not flushed yet."""
    for pending in session.new:
        if isinstance(pending, RecoveryAttempt) and pending.id == attempt_id:
            return pending
    return session.get(RecoveryAttempt, attempt_id)
