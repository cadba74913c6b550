"""Opening and closing recovery cases (recovery alone does); `engine` plans the work inside one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import Classification
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_attached
from tinko.payments.models import Transaction
from tinko.recovery import lifecycle
from tinko.recovery.models import OPEN_STATUSES, PAYABLE_STATUSES, RecoveryCase
from tinko.recovery.statuses import CaseStatus


def get_open_case(
    session: Session,
    org_id: str,
    transaction_id: str,
    statuses: tuple[str, ...] = OPEN_STATUSES,
) -> RecoveryCase | None:
    return session.scalars(
        select(RecoveryCase)
        .where(
            RecoveryCase.org_id == org_id,
            RecoveryCase.transaction_id == transaction_id,
            RecoveryCase.status.in_(statuses),
        )
        .order_by(RecoveryCase.id.desc())
        .limit(1)
    ).first()


def open_or_update_case(
    session: Session,
    clock: Clock,
    transaction: Transaction,
    classification: Classification,
    *,
    new_failure: bool,
    new_transaction: bool = False,
) -> RecoveryCase:
    """The open case of the transaction, updated with the newest classification, or a new one.

    A transaction created in this unit of work has no case yet, so none is looked up.
    """
    now = clock.now()
    case = None if new_transaction else get_open_case(session, transaction.org_id, transaction.id)
    data = classification.to_dict()
    if case is None:
        return insert_attached(
            session,
            RecoveryCase,
            {
                "id": new_id("rec"),
                "org_id": transaction.org_id,
                "transaction_id": transaction.id,
                "status": lifecycle.INITIAL_CASE_STATUS,
                "category": classification.category,
                "decline_type": classification.decline_type,
                "classification": data,
                "failure_count": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
    case.classification = data
    case.category = classification.category
    case.decline_type = classification.decline_type
    if new_failure:
        case.failure_count += 1
    case.updated_at = now
    return case


def close_recovered(
    session: Session,
    clock: Clock,
    transaction: Transaction,
    *,
    paid_at: datetime,
    source: str,
    case: RecoveryCase | None = None,
) -> RecoveryCase | None:
    """A success arrived: the open (or exhausted) case is recovered, its pending work cancelled.
    `case` is that case when the caller holds it already."""
    case = case or get_open_case(session, transaction.org_id, transaction.id, PAYABLE_STATUSES)
    if case is None:
        return None
    reason = f"payment succeeded ({source}) at {paid_at.isoformat()}"
    lifecycle.close_case(session, clock, case, CaseStatus.RECOVERED, reason)
    return case
