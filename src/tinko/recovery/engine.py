"""The recovery engine's use cases: plan a case, run an attempt, close, cancel, retry now.

Services flush, never commit. PSP calls happen between two units of work (claim, then record)
so no database lock is held while the network is slow; the attempt id is the PSP idempotency
key, so running the same attempt twice never charges twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from tinko.errors import NotFound
from tinko.intake.models import Transaction
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_row
from tinko.notify.contacts import CHANNELS, InvalidContact, normalise
from tinko.notify.optouts import is_opted_out
from tinko.policies import policy_for
from tinko.recovery.card_history import card_history
from tinko.recovery.decide import AttemptView, PaymentView, decide
from tinko.recovery.holdout import customer_key, in_holdout
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt, RecoveryCase, TimelineEntry
from tinko.recovery.planner import Plan
from tinko.rules.service import current_rules
from tinko.tenancy.models import Organization

_Locked = TypeVar("_Locked", Transaction, RecoveryCase, RecoveryAttempt)

CLAIM_LEASE = timedelta(minutes=5)  # the default of TINKO_ATTEMPT_LEASE_SECONDS
HOLDOUT_REASON = "holdout: measured without retries or messages"


def log(
    session: Session, clock: Clock, case: RecoveryCase, entry_kind: str, /, **detail: Any
) -> None:
    """Append to the case's timeline (written at once; nothing edits an entry later)."""
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


def plan_case(session: Session, clock: Clock, case: RecoveryCase, transaction: Transaction) -> Plan:
    """Decide and write down the next steps of an open case (nothing for a closed one)."""
    if case.status not in OPEN_STATUSES:
        return Plan(steps=())
    if case.cancel_requested_at is not None:
        _settle_cancel(session, clock, case)
        return Plan(steps=())
    now = clock.now()
    org = session.get_one(Organization, case.org_id)
    policy = policy_for(
        session, case.org_id, case.category, transaction.payment_method_type, org.timezone
    )
    if case.expires_at is None:
        case.expires_at = case.created_at + timedelta(days=policy.window_days)
        case.policy_name, case.policy_id = policy.name, policy.id
        key = customer_key(
            transaction.customer_ref,
            transaction.customer_email,
            transaction.customer_phone,
            transaction.id,
        )
        case.holdout = in_holdout(case.org_id, key, org.holdout_percent)
    if case.holdout:
        # Measured, not worked: the case stays payable (a link the merchant sends, a payment
        # outside Tinko) but Tinko plans no retry and no message for it.
        close_case(session, clock, case, "exhausted", HOLDOUT_REASON)
        return Plan(steps=())
    attempts = list_attempts(session, case.org_id, case.id)
    plan, decision = decide(
        payment_view(case, transaction, now),
        [AttemptView(a.kind, a.status, a.outcome, a.finished_at) for a in attempts],
        policy,
        current_rules(session, case.org_id),
        lambda: card_history(session, transaction, now),
        now,
    )
    if decision.matched is not None:
        case.rule_id, case.rule_version = decision.matched.id, decision.matched.version
    if plan.blocked is not None:
        log(
            session,
            clock,
            case,
            "retry_blocked",
            rule=plan.blocked.rule,
            reason=plan.blocked.reason,
        )
    number = len(attempts)
    for step in plan.steps:
        number += 1
        attempt = RecoveryAttempt(
            id=new_id("att"),
            org_id=case.org_id,
            case_id=case.id,
            kind=step.kind,
            channel=step.channel,
            attempt_number=number,
            status="scheduled",
            scheduled_for=step.at,
            payment_method_ref=transaction.payment_method_ref,
            card_network=transaction.card_network,
            planned_by=step.planned_by,
            detail=step.reason,
            created_at=now,
        )
        session.add(attempt)
        attempts.append(attempt)
        log(
            session,
            clock,
            case,
            "planned",
            attempt_id=attempt.id,
            kind=step.kind,
            channel=step.channel,
            scheduled_for=step.at.isoformat(),
            reason=step.reason,
            planned_by=step.planned_by,
        )
    _refresh_status(session, clock, case, attempts, plan.stop_reason)
    return plan


def _refresh_status(
    session: Session,
    clock: Clock,
    case: RecoveryCase,
    attempts: Sequence[RecoveryAttempt],
    stop_reason: str | None,
) -> None:
    """Status and next action from the case's attempts as they stand in this unit of work."""
    next_at = min((a.scheduled_for for a in attempts if a.status == "scheduled"), default=None)
    running = any(a.status in ("queued", "running") for a in attempts)
    case.next_action_at = next_at
    case.updated_at = clock.now()
    if next_at is not None:
        case.status = "scheduled"
    elif running:
        case.status = "in_progress"
    elif stop_reason is not None:
        close_case(session, clock, case, "exhausted", stop_reason)


def _settle_cancel(session: Session, clock: Clock, case: RecoveryCase) -> None:
    """A cancel waits for the charge in flight; once none is, the case is cancelled."""
    busy = charge_in_flight(session, case.org_id, case.id)
    if busy is None:
        close_case(session, clock, case, "cancelled", "cancelled by the merchant")
    else:
        case.status, case.next_action_at, case.updated_at = "in_progress", None, clock.now()


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
    session: Session, clock: Clock, case: RecoveryCase, status: str, reason: str
) -> None:
    """Close a case and cancel everything still planned for it. A charge already at the PSP
    is not cancelled: its outcome is still recorded when it comes."""
    now = clock.now()
    if status == "recovered" and case.cancel_requested_at is not None:
        # The merchant asked to stop, but the charge in flight took the money: they may refund.
        log(session, clock, case, "charged_after_cancel", reason=reason)
    case.status = status
    case.closed_at = now
    case.closed_reason = reason
    case.next_action_at = None
    case.updated_at = now
    cancel_planned(session, case, now, f"case {status}")
    log(session, clock, case, status, reason=reason)


def cancel_planned(session: Session, case: RecoveryCase, now: datetime, detail: str) -> None:
    """Cancel the case's attempts that have not started."""
    cancelled = {
        "status": "cancelled",
        "outcome": "cancelled",
        "finished_at": now,
        "detail": detail,
    }
    open_attempt = and_(
        RecoveryAttempt.status.in_(("scheduled", "queued")), RecoveryAttempt.started_at.is_(None)
    )
    session.execute(
        update(RecoveryAttempt)
        .where(
            RecoveryAttempt.org_id == case.org_id,  # with case_id: the (org_id, case_id) index
            RecoveryAttempt.case_id == case.id,
            open_attempt,
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
            and loaded.status in ("scheduled", "queued")
            and loaded.started_at is None
        ):
            for key, value in cancelled.items():
                set_committed_value(loaded, key, value)


def list_attempts(session: Session, org_id: str, case_id: str) -> list[RecoveryAttempt]:
    return list(
        session.scalars(
            select(RecoveryAttempt)
            .where(RecoveryAttempt.org_id == org_id, RecoveryAttempt.case_id == case_id)
            .order_by(RecoveryAttempt.attempt_number, RecoveryAttempt.id)
        ).all()
    )


def payment_view(case: RecoveryCase, transaction: Transaction, now: datetime) -> PaymentView:
    """What the decision reads of a case and its payment."""
    return PaymentView(
        category=case.category,
        decline_type=case.decline_type,
        classification=case.classification,
        amount_minor=transaction.amount_minor,
        currency=transaction.currency,
        gateway=transaction.gateway,
        payment_method_type=transaction.payment_method_type,
        payment_method_ref=transaction.payment_method_ref,
        card_network=transaction.card_network,
        country=transaction.country,
        customer_ref=transaction.customer_ref,
        customer_email=transaction.customer_email,
        customer_locale=transaction.customer_locale,
        metadata=transaction.metadata_,
        failed_at=transaction.last_failed_at or case.created_at,
        expires_at=case.expires_at or now,
        reachable_channels=tuple(_reachable_channels(transaction)),
    )


def _reachable_channels(transaction: Transaction) -> list[str]:
    """Channels we hold a usable contact for that the customer has not opted out of: a
    channel the notifier would skip must not count, or the planner re-plans it at once."""
    session = object_session(transaction)
    reachable = []
    for channel in CHANNELS:
        raw = transaction.customer_email if channel == "email" else transaction.customer_phone
        if not raw:
            continue
        try:
            recipient = normalise(channel, raw, transaction.country)
        except InvalidContact:
            continue  # the notifier refuses it too
        if session is not None and is_opted_out(session, transaction.org_id, channel, recipient):
            continue
        reachable.append(channel)
    return reachable


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
                RecoveryCase.status == "pending",
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
        and_(RecoveryAttempt.status == "scheduled", RecoveryAttempt.scheduled_for <= now),
        and_(
            RecoveryAttempt.status.in_(("queued", "running")), RecoveryAttempt.claimed_until < now
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
        session.execute(
            update(RecoveryAttempt)
            .where(RecoveryAttempt.id.in_(ids))
            .values(status="queued", claimed_until=now + lease)
        )
    return ids


def lock_batch(
    session: Session, attempt_ids: Sequence[str]
) -> list[tuple[RecoveryAttempt, RecoveryCase, Transaction]]:
    """`lock_for_work` for many attempts at once, in the same order: every transaction (by id),
    then every case, then every attempt, so batches never wait on each other in a cycle.
    Payment methods are locked after that, also sorted (`lock_payment_methods`).
    """
    attempts = _load(session, RecoveryAttempt, attempt_ids, lock=False)
    cases = _load(session, RecoveryCase, {a.case_id for a in attempts}, lock=False)
    transactions = _load(session, Transaction, {c.transaction_id for c in cases}, lock=True)
    if session.get_bind().dialect.name == "postgresql":  # SQLite's write gate holds them all
        cases = _load(session, RecoveryCase, {c.id for c in cases}, lock=True)
        attempts = _load(session, RecoveryAttempt, attempt_ids, lock=True)
    case_by_id = {c.id: c for c in cases}
    transaction_by_id = {t.id: t for t in transactions}
    return [
        (a, case_by_id[a.case_id], transaction_by_id[case_by_id[a.case_id].transaction_id])
        for a in sorted(attempts, key=lambda a: (a.case_id, a.attempt_number, a.id))
    ]


def _load(
    session: Session, model: type[_Locked], ids: Iterable[str], *, lock: bool
) -> Sequence[_Locked]:
    statement = select(model).where(model.id.in_(sorted(set(ids)))).order_by(model.id)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).all()


def lock_for_work(
    session: Session, *, attempt_id: str | None = None, case_id: str | None = None
) -> tuple[RecoveryAttempt | None, RecoveryCase, Transaction] | None:
    """Lock a transaction, its case and (optionally) one attempt, always in that order.

    Intake locks the transaction before it touches the case; everything else that changes a
    case takes its locks in the same order, so the two can never wait on each other in a cycle.
    Returns None when the attempt or case does not exist.
    """
    attempt = session.get(RecoveryAttempt, attempt_id) if attempt_id else None
    target_case_id = attempt.case_id if attempt is not None else case_id
    if target_case_id is None:
        return None
    case = session.get(RecoveryCase, target_case_id)
    if case is None:
        return None
    transaction = session.get_one(
        Transaction, case.transaction_id, with_for_update=True, populate_existing=True
    )
    case = session.get_one(RecoveryCase, case.id, with_for_update=True, populate_existing=True)
    if attempt is not None:
        attempt = session.get_one(
            RecoveryAttempt, attempt.id, with_for_update=True, populate_existing=True
        )
    return attempt, case, transaction


def finish_attempt(attempt: RecoveryAttempt, now: datetime, outcome: str, detail: str) -> None:
    """An attempt ran (or will not): its outcome, and the end of its lease."""
    attempt.status = "done"
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.detail = detail[:500]
    attempt.claimed_until = None
