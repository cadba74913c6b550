"""The merchant's commands on a case (cancel, retry now) and the sweep's side of the
scheduler (cases whose planning was lost, leasing due attempts). Planning is in `planning`,
status changes in `lifecycle`, locks in `locks`, a card's history in `card_history`.

Services flush, never commit. PSP calls happen in `flows.retry`, between two units of work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tinko.errors import Conflict, NotFound
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.payments.models import Transaction
from tinko.recovery import lifecycle
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import AttemptStatus, CaseStatus
from tinko.recovery.timeline import log

CLAIM_LEASE = timedelta(minutes=5)  # the default of TINKO_ATTEMPT_LEASE_SECONDS


def list_attempts(session: Session, org_id: str, case_id: str) -> list[RecoveryAttempt]:
    return list(
        session.scalars(
            select(RecoveryAttempt)
            .where(RecoveryAttempt.org_id == org_id, RecoveryAttempt.case_id == case_id)
            .order_by(RecoveryAttempt.attempt_number, RecoveryAttempt.id)
        ).all()
    )


def get_case(session: Session, org_id: str, case_id: str, *, lock: bool = False) -> RecoveryCase:
    statement = select(RecoveryCase).where(
        RecoveryCase.org_id == org_id, RecoveryCase.id == case_id
    )
    if lock:
        statement = statement.with_for_update()
    case = session.scalars(statement).one_or_none()
    if case is None:
        raise NotFound("No such recovery in this organisation.")
    return case


def cancel(session: Session, clock: Clock, org_id: str, case_id: str) -> RecoveryCase:
    case = get_case(session, org_id, case_id, lock=True)
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"This recovery is already {case.status}; there is nothing to cancel.")
    lifecycle.close_case(session, clock, case, CaseStatus.CANCELLED, "cancelled by the merchant")
    return case


def retry_now(session: Session, clock: Clock, org_id: str, case_id: str) -> RecoveryAttempt:
    """Move the next silent retry to now (the network rules are still checked when it runs)."""
    case = get_case(session, org_id, case_id, lock=True)
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"This recovery is {case.status}; it cannot be retried.")
    transaction = session.get_one(Transaction, case.transaction_id)
    if not case.classification.get("retryable") or not transaction.payment_method_ref:
        raise Conflict("This decline cannot be retried on the same payment method; send a link.")
    now = clock.now()
    pending = session.scalars(
        select(RecoveryAttempt).where(
            RecoveryAttempt.org_id == case.org_id,
            RecoveryAttempt.case_id == case.id,
            RecoveryAttempt.kind == "psp_retry",
            RecoveryAttempt.status == AttemptStatus.SCHEDULED,
        )
    ).first()
    if pending is None:
        pending = RecoveryAttempt(
            id=new_id("att"),
            org_id=org_id,
            case_id=case.id,
            kind="psp_retry",
            attempt_number=len(list_attempts(session, org_id, case.id)) + 1,
            status=lifecycle.INITIAL_ATTEMPT_STATUS,
            scheduled_for=now,
            payment_method_ref=transaction.payment_method_ref,
            card_network=transaction.card_network,
            planned_by="retry-now",
            created_at=now,
        )
        session.add(pending)
    pending.scheduled_for = now
    pending.detail = "retry now, asked by the merchant"
    log(session, clock, case, "retry_now", attempt_id=pending.id)
    lifecycle.move_case(case, CaseStatus.SCHEDULED)
    case.next_action_at, case.updated_at = now, now
    enqueue(session, "recovery.run_attempt", attempt_id=pending.id)
    return pending


def unplanned_cases(session: Session, clock: Clock, limit: int) -> list[str]:
    """Cases still `pending` a minute after they changed: their planning job was lost."""
    return list(
        session.scalars(
            select(RecoveryCase.id)
            .where(
                RecoveryCase.status == CaseStatus.PENDING,
                RecoveryCase.updated_at < clock.now() - timedelta(minutes=1),
            )
            .limit(limit)
        ).all()
    )


def claim_due(
    session: Session, clock: Clock, limit: int, lease: timedelta = CLAIM_LEASE
) -> list[str]:
    """Lease due attempts (and ones whose lease ran out) to this sweep; their ids to run."""
    now = clock.now()
    due = or_(
        and_(
            RecoveryAttempt.status == AttemptStatus.SCHEDULED,
            RecoveryAttempt.scheduled_for <= now,
        ),
        and_(
            RecoveryAttempt.status.in_((AttemptStatus.QUEUED, AttemptStatus.RUNNING)),
            RecoveryAttempt.claimed_until < now,
        ),
    )
    ids = list(
        session.scalars(
            select(RecoveryAttempt.id)
            .where(due)
            .order_by(RecoveryAttempt.scheduled_for)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )
    if ids:
        lifecycle.lease(session, ids, now + lease)
    return ids
