"""What a merchant's own payments last said about each card issuer: the newest outage
decline and the newest approval (recovery.transient.issuer_hold decides from them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinko.kit.clock import Clock
from tinko.payments.models import PaymentEvent, Transaction
from tinko.reasons import ReasonCode
from tinko.recovery import lifecycle
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.transient import (
    ISSUER_OUTAGE,
    ISSUER_SEEN_DOWN_FOR,
    IssuerSignal,
    issuer_hold,
)


def issuer_signals(
    session: Session, org_id: str, issuers: Iterable[str], now: datetime
) -> dict[str, IssuerSignal]:
    """Issuer → its signal, from the organisation's failures and retries of the last
    ``ISSUER_SEEN_DOWN_FOR`` (older ones cannot hold a retry). Outages are rare: the common
    case is two aggregate queries that find none; approvals are read only for issuers that
    had one."""
    names = sorted(set(issuers))
    if not names:
        return {}
    since = now - ISSUER_SEEN_DOWN_FOR
    down = _newest(session, org_id, names, since, approved=False)
    if not down:
        return {}
    up = _newest(session, org_id, sorted(down), since, approved=True)
    return {name: IssuerSignal(at, up.get(name)) for name, at in down.items()}


def _newest(
    session: Session, org_id: str, names: list[str], since: datetime, *, approved: bool
) -> dict[str, datetime]:
    """Per issuer, the newest approval (``approved``) or outage decline since ``since``,
    among retries and the failures and successes we were told of."""
    retry_at = func.max(RecoveryAttempt.started_at)
    retries = (
        select(Transaction.card_issuer, retry_at)
        .join(RecoveryCase, RecoveryCase.id == RecoveryAttempt.case_id)
        .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
        .where(
            RecoveryAttempt.org_id == org_id,
            RecoveryCase.org_id == org_id,
            Transaction.org_id == org_id,
            RecoveryAttempt.kind == "psp_retry",
            RecoveryAttempt.started_at >= since,
            Transaction.card_issuer.in_(names),
        )
        .group_by(Transaction.card_issuer)
    )
    event_at = func.max(PaymentEvent.occurred_at)
    events = (
        select(Transaction.card_issuer, event_at)
        .join(Transaction, Transaction.id == PaymentEvent.transaction_id)
        .where(
            PaymentEvent.org_id == org_id,
            Transaction.org_id == org_id,
            PaymentEvent.occurred_at >= since,
            Transaction.card_issuer.in_(names),
        )
        .group_by(Transaction.card_issuer)
    )
    if approved:
        retries = retries.where(RecoveryAttempt.outcome == "succeeded")
        events = events.where(PaymentEvent.kind == "payment_succeeded")
    else:
        outage = RecoveryAttempt.decline["category"].as_string() == ISSUER_OUTAGE
        retries = retries.where(RecoveryAttempt.outcome == "declined", outage)
        failed = PaymentEvent.classification["category"].as_string() == ISSUER_OUTAGE
        events = events.where(PaymentEvent.kind == "payment_failed", failed)
    found: dict[str, datetime] = {}
    for issuer, at in [*session.execute(retries), *session.execute(events)]:
        if issuer is not None and at is not None:
            found[issuer] = max(found.get(issuer, at), at)
    return found


def hold_while_down(
    session: Session,
    clock: Clock,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    issuer: str | None,
    signal: IssuerSignal | None,
    last: datetime | None = None,
) -> bool:
    """Put a retry about to start back in the queue while its card's issuer is seen down
    (recovery.transient.issuer_hold); the claim calls it under its locks."""
    until = issuer_hold(signal, clock.now(), last) if issuer else None
    if until is None or signal is None or signal.down_at is None:
        return False
    lifecycle.hold(
        session,
        clock,
        attempt,
        case,
        until,
        ReasonCode.HELD_BACK_ISSUER_DOWN,
        issuer=issuer,
        seen_at=signal.down_at,
    )
    return True
