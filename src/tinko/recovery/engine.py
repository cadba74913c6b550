"""Reading cases and their attempts, and the sweep's side of the scheduler (cases whose
planning was lost, leasing due attempts). Planning is in `planning`, status changes in
`lifecycle`, locks in `locks`, a card's history in `card_history`, the merchant's commands
(retry now, cancel) in `manual`.

Services flush, never commit. PSP calls happen in `flows.retry`, between two units of work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tinko.errors import NotFound
from tinko.kit.clock import Clock
from tinko.recovery import lifecycle
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import AttemptStatus, CaseStatus

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
