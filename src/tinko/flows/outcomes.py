"""What a reported payment means for its recovery. Called by the inbox (API and webhooks), the
retry runner, the payer's checkout and the sandbox's webhooks.

- `payment_failed`: record it in the ledger, open or update its case, and plan it. Planning
  reads policies, rules and the card's history, so a job does it just after commit and intake
  stays fast; the recovery sweep re-plans any case left pending.
- `payment_succeeded` / `success_of`: record it, and close its case as recovered (everything
  still planned for it is cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.classifier import Classification
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.payments import ledger
from tinko.payments.models import PaymentEvent, Transaction
from tinko.payments.reports import FailureReport, SuccessReport
from tinko.psp.sandbox_events import SOURCE as SANDBOX
from tinko.recovery.lifecycle import close_recovered, open_or_update_case
from tinko.recovery.models import RecoveryCase


@dataclass(frozen=True)
class FailureOutcome:
    event_id: str
    transaction: Transaction
    classification: Classification
    case: RecoveryCase | None


def payment_failed(
    session: Session,
    clock: Clock,
    org_id: str,
    report: FailureReport,
    *,
    source: str,
    external_id: str | None = None,
) -> FailureOutcome:
    recorded = ledger.record_failure(
        session, clock, org_id, report, source=source, external_id=external_id
    )
    case = None
    if recorded.open_case:
        case = open_or_update_case(
            session,
            clock,
            recorded.transaction,
            recorded.classification,
            new_failure=not recorded.repeat,
            new_transaction=recorded.is_new,
        )
        enqueue(session, "recovery.plan_case", case_id=case.id)
    return FailureOutcome(recorded.event_id, recorded.transaction, recorded.classification, case)


def payment_succeeded(
    session: Session,
    clock: Clock,
    org_id: str,
    report: SuccessReport,
    *,
    source: str,
    external_id: str | None = None,
) -> RecoveryCase | None:
    transaction = ledger.transaction_for_success(session, clock, org_id, report)
    return success_of(session, clock, transaction, report, source=source, external_id=external_id)


def success_of(
    session: Session,
    clock: Clock,
    transaction: Transaction,
    report: SuccessReport,
    *,
    source: str,
    external_id: str | None = None,
    case: RecoveryCase | None = None,
) -> RecoveryCase | None:
    """A success of a known (locked) transaction; the case it recovered, if any.

    `case` skips the lookup when the caller already holds the open case (a retry that worked).
    """
    counts = ledger.record_success_of(
        session, clock, transaction, report, source=source, external_id=external_id
    )
    if not counts:
        return None
    return close_recovered(
        session, clock, transaction, paid_at=report.occurred_at, source=source, case=case
    )


def sandbox_event_received(
    session: Session,
    clock: Clock,
    *,
    org_id: str,
    event_id: str,
    report: FailureReport | SuccessReport | None,
) -> bool:
    """Record one verified sandbox event; True if new, False if seen (or paid) before."""
    seen = session.scalars(
        select(PaymentEvent.id).where(
            PaymentEvent.org_id == org_id,
            PaymentEvent.source == SANDBOX,
            PaymentEvent.external_id == event_id,
        )
    ).first()
    if seen or not event_id or not isinstance(report, SuccessReport):
        return False
    if _already_paid(session, org_id, report.transaction_ref):
        return False  # the retry or the payer page recorded this payment as it happened
    payment_succeeded(session, clock, org_id, report, source=SANDBOX, external_id=event_id[:200])
    return True


def _already_paid(session: Session, org_id: str, transaction_ref: str) -> bool:
    status = session.scalars(
        select(Transaction.status).where(
            Transaction.org_id == org_id, Transaction.transaction_ref == transaction_ref
        )
    ).first()
    return status == "succeeded"
