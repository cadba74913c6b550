"""What the merchant asks of a case: retry now, cancel.

A retry they ask for is held to the same rules as a planned one (one charge in flight per
case, the network-rule guard) and to a minimum spacing from the last charge on the card, so
a burst of clicks cannot burn the card's allowance. The claim that starts a charge enforces
the in-flight rule and the spacing again (`runner`); the checks here answer the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinko import audit
from tinko.errors import Conflict
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.payments.models import Transaction
from tinko.reasons import ReasonCode, make
from tinko.recovery import engine, lifecycle, locks, timeline
from tinko.recovery.card_history import card_history, lock_payment_methods
from tinko.recovery.guard import check_attempt
from tinko.recovery.guard.types import ProposedAttempt
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import AttemptStatus, CaseStatus

# A manual retry starts no sooner than this after the last charge we sent on the same card or
# mandate (any case): the shortest wait an issuer advises (Mastercard MAC 24, one hour).
MANUAL_RETRY_SPACING: Final = timedelta(hours=1)
MANUAL: Final = "retry-now"
# A charge held back behind another one of its case is offered again no sooner than this.
HELD_BACK_MIN: Final = timedelta(minutes=1)


def proposed_retry(case: RecoveryCase, transaction: Transaction, at: datetime) -> ProposedAttempt:
    """A silent retry of the case's payment at `at`, as the guard sees it."""
    return ProposedAttempt(
        at=at,
        initiator="merchant",
        card_network=transaction.card_network,
        payment_method_type=transaction.payment_method_type or "card",
        last_decline_visa_category=case.classification.get("visa_category"),
        last_decline_merchant_advice_code=case.classification.get("merchant_advice_code"),
        last_decline_at=transaction.last_failed_at,
    )


def last_charge_on_card(
    session: Session, org_id: str, payment_method_ref: str, *, other_than: str | None = None
) -> datetime | None:
    """When we last sent a charge on this card or mandate, from any case."""
    statement = select(func.max(RecoveryAttempt.started_at)).where(
        RecoveryAttempt.org_id == org_id,
        RecoveryAttempt.payment_method_ref == payment_method_ref,
        RecoveryAttempt.kind == "psp_retry",
        RecoveryAttempt.started_at.is_not(None),
    )
    if other_than is not None:
        statement = statement.where(RecoveryAttempt.id != other_than)
    return session.scalar(statement)


def _lock(session: Session, org_id: str, case_id: str) -> tuple[RecoveryCase, Transaction]:
    engine.get_case(session, org_id, case_id)  # 404 for another organisation's case
    locked = locks.lock_for_work(session, case_id=case_id)
    assert locked is not None
    _, case, transaction = locked
    return case, transaction


def _in_flight_conflict(attempt: RecoveryAttempt, doing: str) -> Conflict:
    return Conflict(
        f"Retry {attempt.id} of this recovery is still at the PSP; {doing}",
        extensions={"attempt_id": attempt.id},
    )


def retry_now(session: Session, clock: Clock, org_id: str, case_id: str) -> RecoveryAttempt:
    """Move the next silent retry to now, or add one; refused (409) while a charge of the case
    is in flight, within the spacing, or when the network rules hold the card back."""
    case, transaction = _lock(session, org_id, case_id)
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"This recovery is {case.status}; it cannot be retried.")
    if case.cancel_requested_at is not None:
        raise Conflict("This recovery is being cancelled; it cannot be retried.")
    if not case.classification.get("retryable") or not transaction.payment_method_ref:
        raise Conflict("This decline cannot be retried on the same payment method; send a link.")
    busy = lifecycle.charge_in_flight(session, org_id, case.id)
    if busy is not None:
        raise _in_flight_conflict(busy, "wait for its outcome before retrying again.")
    planned = session.scalars(
        select(RecoveryAttempt)
        .where(
            RecoveryAttempt.org_id == org_id,
            RecoveryAttempt.case_id == case.id,
            RecoveryAttempt.kind == "psp_retry",
            RecoveryAttempt.status.in_((AttemptStatus.SCHEDULED, AttemptStatus.QUEUED)),
        )
        .order_by(RecoveryAttempt.scheduled_for)
    ).all()
    now = clock.now()
    queued = next((a for a in planned if a.status == AttemptStatus.QUEUED), None)
    if queued is not None:
        return queued  # a worker is about to run it: that is the retry asked for
    _check_card(session, case, transaction, now)
    pending = planned[0] if planned else None
    if pending is None:
        pending = RecoveryAttempt(
            id=new_id("att"),
            org_id=org_id,
            case_id=case.id,
            kind="psp_retry",
            attempt_number=len(engine.list_attempts(session, org_id, case.id)) + 1,
            status=lifecycle.INITIAL_ATTEMPT_STATUS,
            payment_method_ref=transaction.payment_method_ref,
            card_network=transaction.card_network,
            created_at=now,
        )
        session.add(pending)
    lifecycle.move_attempt(pending, AttemptStatus.SCHEDULED)
    pending.scheduled_for, pending.claimed_until = now, None
    pending.planned_by = MANUAL
    pending.detail = "retry now, asked by the merchant"
    pending.reason = make(ReasonCode.RETRY_NOW_BY_MERCHANT, at=now)
    timeline.log(session, clock, case, "retry_now", attempt_id=pending.id)
    audit.record(
        session,
        org_id,
        "recovery.retry_now",
        targets=[("recovery", case.id), ("attempt", pending.id)],
    )
    lifecycle.move_case(case, CaseStatus.SCHEDULED)
    case.next_action_at, case.updated_at = now, now
    enqueue(session, "recovery.run_attempt", attempt_id=pending.id)
    return pending


def _check_card(
    session: Session, case: RecoveryCase, transaction: Transaction, now: datetime
) -> None:
    ref = transaction.payment_method_ref
    assert ref is not None
    lock_payment_methods(session, [(case.org_id, ref)])
    free_at = spacing_ends(session, case.org_id, ref)
    if free_at is not None and free_at > now:
        raise Conflict(
            f"A charge was sent on this payment method less than "
            f"{int(MANUAL_RETRY_SPACING.total_seconds() // 60)} minutes ago; "
            f"retry no earlier than {free_at.isoformat()}.",
            headers={"Retry-After": str(max(1, int((free_at - now).total_seconds())))},
            extensions={"retry_at": free_at.isoformat()},
        )
    decision = check_attempt(
        proposed_retry(case, transaction, now), card_history(session, transaction, now)
    )
    if not decision.allowed:
        retry_at = decision.earliest_at.isoformat() if decision.earliest_at else None
        raise Conflict(
            f"The network rules hold this payment method back: {decision.reason}",
            extensions={"rule": decision.rule, "retry_at": retry_at},
        )


def spacing_ends(
    session: Session, org_id: str, payment_method_ref: str, *, other_than: str | None = None
) -> datetime | None:
    """When the manual-retry spacing on this card ends (None: no charge on it yet)."""
    last = last_charge_on_card(session, org_id, payment_method_ref, other_than=other_than)
    return last + MANUAL_RETRY_SPACING if last is not None else None


def hold_back(session: Session, clock: Clock, attempt: RecoveryAttempt, case: RecoveryCase) -> bool:
    """Put a charge about to start back in the queue while another charge of its case is at
    the PSP (a case never has two in flight) or, for a manual retry, until the card's spacing
    ends. The claim calls it under its locks, so two workers cannot both pass it."""
    now = clock.now()
    busy = lifecycle.charge_in_flight(
        session, attempt.org_id, attempt.case_id, other_than=attempt.id
    )
    until, waiting_for = None, None
    if busy is not None:
        until, waiting_for = max(busy.claimed_until or now, now + HELD_BACK_MIN), busy.id
    elif attempt.planned_by == MANUAL and attempt.payment_method_ref:
        free_at = spacing_ends(
            session, attempt.org_id, attempt.payment_method_ref, other_than=attempt.id
        )
        until = free_at if free_at is not None and free_at > now else None
    if until is None:
        return False
    params: dict[str, object]
    if waiting_for is not None:
        code, params = ReasonCode.HELD_BACK_CHARGE_IN_FLIGHT, {"waiting_for": waiting_for}
    else:
        spacing = int(MANUAL_RETRY_SPACING.total_seconds() // 60)
        code, params = ReasonCode.HELD_BACK_SPACING, {"spacing_minutes": spacing}
    lifecycle.hold(session, clock, attempt, case, until, code, **params)
    return True


def cancel(session: Session, clock: Clock, org_id: str, case_id: str) -> RecoveryCase:
    """Cancel a case. With a charge at the PSP, everything else is cancelled now and the case
    stays `in_progress` until the charge's outcome is recorded (then cancelled, or recovered
    if the money arrived)."""
    case, _ = _lock(session, org_id, case_id)
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"This recovery is already {case.status}; there is nothing to cancel.")
    if case.cancel_requested_at is not None:
        return case  # asked already; still waiting for the charge in flight
    audit.record(session, org_id, "recovery.cancel", targets=[("recovery", case.id)])
    busy = lifecycle.charge_in_flight(session, org_id, case.id)
    by_merchant = make(ReasonCode.CANCELLED_BY_MERCHANT)
    if busy is None:
        lifecycle.close_case(
            session, clock, case, CaseStatus.CANCELLED, "cancelled by the merchant", why=by_merchant
        )
        return case
    now = clock.now()
    case.cancel_requested_at = now
    lifecycle.move_case(case, CaseStatus.IN_PROGRESS)
    case.next_action_at, case.updated_at = None, now
    lifecycle.cancel_planned(session, case, now, "case cancelled by the merchant", by_merchant)
    timeline.log(session, clock, case, "cancel_requested", waiting_for=busy.id)
    return case
