"""What a merchant's own payments last said about each card issuer: the newest outage
decline and the newest approval (recovery.transient.issuer_hold decides from them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinko.kit.clock import Clock
from tinko.payments.models import PaymentEvent, Transaction
from tinko.reasons import ReasonCode, make
from tinko.recovery import lifecycle, timeline
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import AttemptStatus
from tinko.recovery.transient import (
    ISSUER_OUTAGE,
    ISSUER_SEEN_DOWN_FOR,
    IssuerSignal,
    issuer_hold,
    newer,
)


def issuer_signals(
    session: Session, org_id: str, issuers: Iterable[str], now: datetime
) -> dict[str, IssuerSignal]:
    """Issuer → its signal, from the organisation's failures, successes and retries of the
    last ``ISSUER_SEEN_DOWN_FOR`` (older ones cannot hold a retry). Two queries."""
    names = sorted(set(issuers))
    if not names:
        return {}
    since = now - ISSUER_SEEN_DOWN_FOR
    down: dict[str, datetime | None] = {}
    up: dict[str, datetime | None] = {}
    retries = session.execute(
        select(
            Transaction.card_issuer,
            RecoveryAttempt.started_at,
            RecoveryAttempt.outcome,
            RecoveryAttempt.decline,
        )
        .join(RecoveryCase, RecoveryCase.id == RecoveryAttempt.case_id)
        .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
        .where(
            RecoveryAttempt.org_id == org_id,
            RecoveryCase.org_id == org_id,
            Transaction.org_id == org_id,
            RecoveryAttempt.kind == "psp_retry",
            RecoveryAttempt.started_at >= since,
            RecoveryAttempt.outcome.in_(("succeeded", "declined")),
            Transaction.card_issuer.in_(names),
        )
    )
    for issuer, at, outcome, decline in retries:
        _note(down, up, issuer, at, outcome == "succeeded", _is_outage(decline))
    events = session.execute(
        select(
            Transaction.card_issuer,
            PaymentEvent.occurred_at,
            PaymentEvent.kind,
            PaymentEvent.classification,
        )
        .join(Transaction, Transaction.id == PaymentEvent.transaction_id)
        .where(
            PaymentEvent.org_id == org_id,
            Transaction.org_id == org_id,
            PaymentEvent.occurred_at >= since,
            PaymentEvent.kind.in_(("payment_failed", "payment_succeeded")),
            Transaction.card_issuer.in_(names),
        )
    )
    for issuer, at, kind, classification in events:
        _note(down, up, issuer, at, kind == "payment_succeeded", _is_outage(classification))
    return {name: IssuerSignal(down.get(name), up.get(name)) for name in down.keys() | up.keys()}


def _is_outage(classification: dict[str, Any] | None) -> bool:
    return bool(classification) and (classification or {}).get("category") == ISSUER_OUTAGE


def _note(
    down: dict[str, datetime | None],
    up: dict[str, datetime | None],
    issuer: str,
    at: datetime | None,
    approved: bool,
    outage: bool,
) -> None:
    if at is None:
        return
    if approved:
        up[issuer] = newer(up.get(issuer), at)
    elif outage:
        down[issuer] = newer(down.get(issuer), at)


def hold_while_down(
    session: Session,
    clock: Clock,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    issuer: str | None,
    signal: IssuerSignal | None,
) -> bool:
    """Put a retry about to start back in the queue while its card's issuer is seen down
    (recovery.transient.issuer_hold); the claim calls it under its locks."""
    until = issuer_hold(signal, clock.now()) if issuer else None
    if until is None or signal is None or signal.down_at is None:
        return False
    lifecycle.hold(attempt, until)
    session.flush()
    case.next_action_at = session.scalar(
        select(func.min(RecoveryAttempt.scheduled_for)).where(
            RecoveryAttempt.org_id == case.org_id,
            RecoveryAttempt.case_id == case.id,
            RecoveryAttempt.status == AttemptStatus.SCHEDULED,
        )
    )
    attempt.reason = make(
        ReasonCode.HELD_BACK_ISSUER_DOWN,
        until=attempt.scheduled_for,
        issuer=issuer,
        seen_at=signal.down_at,
    )
    timeline.log(
        session,
        clock,
        case,
        "retry_held_back",
        attempt_id=attempt.id,
        issuer_down_at=signal.down_at.isoformat(),
        until=attempt.scheduled_for.isoformat(),
    )
    return True
