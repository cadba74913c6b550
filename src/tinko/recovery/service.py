"""Opening and closing recovery cases. The recovery engine plans the work inside a case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import Classification
from tinko.intake.models import Transaction
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_attached
from tinko.recovery.engine import close_case
from tinko.recovery.models import OPEN_STATUSES, PAYABLE_STATUSES, RecoveryCase


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
                "status": "pending",
                "category": classification.category,
                "decline_type": classification.decline_type,
                "classification": data,
                "failure_count": 1,
                "failed_at": transaction.last_failed_at or now,
                "holdout": False,
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
    session: Session, clock: Clock, transaction: Transaction, *, paid_at: datetime, source: str
) -> RecoveryCase | None:
    """A success arrived: the open (or exhausted) case is recovered, its pending work cancelled."""
    case = get_open_case(session, transaction.org_id, transaction.id, PAYABLE_STATUSES)
    if case is None:
        return None
    close_case(
        session, clock, case, "recovered", f"payment succeeded ({source}) at {paid_at.isoformat()}"
    )
    case.recovered_by = recovered_by(source)
    return case


def recovered_by(source: str) -> str:
    """How a success recovered its case: our retry, the payer page, or anything else (the
    merchant's API report, the PSP's own retry or a payment made outside Tinko)."""
    return {"retry": "psp_retry", "payer_page": "payer_link"}.get(source, "outside")
