"""The only writer of case and attempt statuses: opens cases, moves them and their attempts,
closes them. Every change is checked against the tables in `statuses`, so a case cannot leave
`recovered` and an attempt cannot run twice by mistake.

Other modules decide *what* should happen; this one makes it so and keeps the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tinko import audit
from tinko.classifier import Classification
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_attached
from tinko.merchant_webhooks.service import emit, wants
from tinko.payments.models import Transaction
from tinko.reasons import Reason, ReasonCode, make
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import (
    ATTEMPT_TRANSITIONS,
    CASE_TRANSITIONS,
    OPEN,
    PAYABLE,
    AttemptOutcome,
    AttemptStatus,
    CaseStatus,
    attempt_sources,
)
from tinko.recovery.timeline import case_data, log
from tinko.recovery.transient import keeps_category

INITIAL_CASE_STATUS = CaseStatus.PENDING
INITIAL_ATTEMPT_STATUS = AttemptStatus.SCHEDULED


class IllegalTransition(RuntimeError):
    """A status change the lifecycle does not allow: a bug, never the caller's input."""


def move_case(case: RecoveryCase, to: CaseStatus) -> None:
    current = CaseStatus(case.status)
    if to not in CASE_TRANSITIONS[current]:
        raise IllegalTransition(f"recovery case {case.id}: {current} → {to} is not allowed")
    case.status = to


def move_attempt(attempt: RecoveryAttempt, to: AttemptStatus) -> None:
    current = AttemptStatus(attempt.status)
    if to not in ATTEMPT_TRANSITIONS[current]:
        raise IllegalTransition(f"attempt {attempt.id}: {current} → {to} is not allowed")
    attempt.status = to


def refresh(
    session: Session,
    clock: Clock,
    case: RecoveryCase,
    attempts: Sequence[RecoveryAttempt],
    stop_reason: str | None,
    stop_why: Reason | None = None,
) -> None:
    """Status and next action from the case's attempts as they stand in this unit of work."""
    next_at = min(
        (a.scheduled_for for a in attempts if a.status == AttemptStatus.SCHEDULED), default=None
    )
    running = any(a.status in (AttemptStatus.QUEUED, AttemptStatus.RUNNING) for a in attempts)
    case.next_action_at = next_at
    case.updated_at = clock.now()
    if next_at is not None:
        move_case(case, CaseStatus.SCHEDULED)
    elif running:
        move_case(case, CaseStatus.IN_PROGRESS)
    elif stop_reason is not None:
        close_case(session, clock, case, CaseStatus.EXHAUSTED, stop_reason, why=stop_why)


def settle_cancel(session: Session, clock: Clock, case: RecoveryCase) -> None:
    """A cancel waits for the charge in flight; once none is, the case is cancelled."""
    if charge_in_flight(session, case.org_id, case.id) is None:
        close_case(
            session,
            clock,
            case,
            CaseStatus.CANCELLED,
            "cancelled by the merchant",
            why=make(ReasonCode.CANCELLED_BY_MERCHANT),
        )
    else:
        move_case(case, CaseStatus.IN_PROGRESS)
        case.next_action_at, case.updated_at = None, clock.now()


def charge_in_flight(
    session: Session, org_id: str, case_id: str, *, other_than: str | None = None
) -> RecoveryAttempt | None:
    """The case's PSP charge that started and has no recorded outcome yet, if any (at most
    one: the claim starts no second one, and a unique index refuses it)."""
    statement = select(RecoveryAttempt).where(
        RecoveryAttempt.org_id == org_id,
        RecoveryAttempt.case_id == case_id,
        RecoveryAttempt.kind == "psp_retry",
        RecoveryAttempt.started_at.is_not(None),
        RecoveryAttempt.finished_at.is_(None),
    )
    if other_than is not None:
        statement = statement.where(RecoveryAttempt.id != other_than)
    return session.scalars(statement.limit(1)).first()


def close_case(
    session: Session,
    clock: Clock,
    case: RecoveryCase,
    status: CaseStatus,
    reason: str,
    *,
    why: Reason | None = None,
) -> None:
    """Close a case and cancel everything still planned for it. A charge already at the PSP
    is not cancelled: its outcome is still recorded when it comes. `why` is the structured
    reason (tinko.reasons) the case keeps."""
    now = clock.now()
    if status == CaseStatus.RECOVERED and case.cancel_requested_at is not None:
        # The merchant asked to stop, but the charge in flight took the money: they may refund.
        log(session, clock, case, "charged_after_cancel", reason=reason)
    move_case(case, status)
    case.closed_at = now
    case.closed_reason = reason
    case.reason = why
    case.next_action_at = None
    case.updated_at = now
    cancel_planned(session, case, now, f"case {status}", cancelled_reason(case))
    log(session, clock, case, status, reason=reason, why=why)
    audit.record(
        session,
        case.org_id,
        f"recovery.{status}",
        targets=[("recovery", case.id)],
        changes={"reason": reason},
        actor=audit.SYSTEM,
    )


def cancelled_reason(case: RecoveryCase) -> Reason:
    """Why a step of this case is cancelled: the merchant stopped it, it was paid, or it
    closed otherwise (exhausted, expired)."""
    if case.status == CaseStatus.RECOVERED:
        return make(ReasonCode.CANCELLED_RECOVERED, source=case.recovered_by or "outside")
    if case.cancel_requested_at is not None or case.status == CaseStatus.CANCELLED:
        return make(ReasonCode.CANCELLED_BY_MERCHANT)
    return make(ReasonCode.CANCELLED_CASE_CLOSED, status=case.status)


def cancel_planned(
    session: Session, case: RecoveryCase, now: datetime, detail: str, why: Reason
) -> None:
    """Cancel the case's attempts that have not started."""
    cancelled = {
        "status": AttemptStatus.CANCELLED,
        "outcome": AttemptOutcome.CANCELLED,
        "finished_at": now,
        "detail": detail,
        "reason": why,
    }
    waiting = (AttemptStatus.SCHEDULED, AttemptStatus.QUEUED)
    session.execute(
        update(RecoveryAttempt)
        .where(
            RecoveryAttempt.org_id == case.org_id,  # with case_id: the (org_id, case_id) index
            RecoveryAttempt.case_id == case.id,
            RecoveryAttempt.status.in_(waiting),
            RecoveryAttempt.started_at.is_(None),
        )
        .values(**cancelled)
        # The case's loaded attempts are brought up to date below; letting the ORM test every
        # object in the session instead costs more than the UPDATE when a batch holds hundreds.
        .execution_options(synchronize_session=False)
    )
    for loaded in list(session.identity_map.values()):
        if (
            isinstance(loaded, RecoveryAttempt)
            and loaded.case_id == case.id
            and loaded.status in waiting
            and loaded.started_at is None
        ):
            for key, value in cancelled.items():
                set_committed_value(loaded, key, value)


def hold(
    session: Session,
    clock: Clock,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    until: datetime,
    code: ReasonCode,
    **params: Any,
) -> None:
    """Put a retry about to start back in the queue until ``until``, with the reason ``code``
    (its ``until`` and ``params``), on the timeline and in the case's next action."""
    move_attempt(attempt, AttemptStatus.SCHEDULED)
    attempt.claimed_until = None
    attempt.scheduled_for = max(attempt.scheduled_for, until)
    attempt.reason = make(code, until=attempt.scheduled_for, **params)
    session.flush()
    case.next_action_at = session.scalar(
        select(func.min(RecoveryAttempt.scheduled_for)).where(
            RecoveryAttempt.org_id == case.org_id,
            RecoveryAttempt.case_id == case.id,
            RecoveryAttempt.status == AttemptStatus.SCHEDULED,
        )
    )
    log(
        session,
        clock,
        case,
        "retry_held_back",
        attempt_id=attempt.id,
        until=attempt.scheduled_for.isoformat(),
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in params.items()},
    )


def lease(session: Session, attempt_ids: Sequence[str], until: datetime) -> None:
    """Hand due attempts (and ones whose lease ran out) to a sweep until `until`."""
    session.execute(
        update(RecoveryAttempt)
        .where(
            RecoveryAttempt.id.in_(attempt_ids),
            RecoveryAttempt.status.in_(attempt_sources(AttemptStatus.QUEUED)),
        )
        .values(status=AttemptStatus.QUEUED, claimed_until=until)
    )


def start(attempt: RecoveryAttempt, now: datetime, until: datetime) -> datetime:
    """The attempt is on its way (to the PSP or the customer), leased until `until`; when it
    first started (a re-run keeps the first start)."""
    move_attempt(attempt, AttemptStatus.RUNNING)
    attempt.claimed_until = until
    attempt.started_at = started_at = attempt.started_at or now
    return started_at


def finish_attempt(
    attempt: RecoveryAttempt,
    now: datetime,
    outcome: AttemptOutcome,
    detail: str,
    status: AttemptStatus = AttemptStatus.DONE,
) -> None:
    """An attempt ran (or will not): its outcome, and the end of its lease."""
    move_attempt(attempt, status)
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.detail = detail[:500]
    attempt.claimed_until = None


def get_open_case(
    session: Session,
    org_id: str,
    transaction_id: str,
    statuses: tuple[str, ...] = OPEN,
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
        opened = insert_attached(
            session,
            RecoveryCase,
            {
                "id": new_id("rec"),
                "org_id": transaction.org_id,
                "transaction_id": transaction.id,
                "status": INITIAL_CASE_STATUS,
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
        if wants(session, opened.org_id, "recovery.opened"):
            data = case_data(session, opened, "opened", {"reason": classification.reason})
            emit(session, now, opened.org_id, "recovery.opened", data)
        return opened
    if not keeps_category(case.category, classification.category):
        # The PSP's report of an outage met by one of our retries keeps the case as it was.
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
    case = case or get_open_case(session, transaction.org_id, transaction.id, PAYABLE)
    if case is None:
        return None
    reason = f"payment succeeded ({source}) at {paid_at.isoformat()}"
    case.recovered_by = recovered_by(source)  # before closing: the cancelled steps name it
    why = make(
        ReasonCode.RECOVERED,
        source=case.recovered_by,
        amount_minor=transaction.amount_minor,
        currency=transaction.currency,
        at=paid_at,
    )
    close_case(session, clock, case, CaseStatus.RECOVERED, reason, why=why)
    return case


def recovered_by(source: str) -> str:
    """How a success recovered its case: our retry, the payer page, or anything else (the
    merchant's API report, the PSP's own retry or a payment made outside Tinko)."""
    return {"retry": "psp_retry", "payer_page": "payer_link"}.get(source, "outside")
