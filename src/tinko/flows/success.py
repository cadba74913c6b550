"""A payment succeeded: record it in the ledger and close its case as recovered (everything
still planned for it is cancelled). Called by the inbox, the retry runner, the payer's checkout
and the sandbox's webhooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.kit.clock import Clock
from tinko.payments import ledger
from tinko.payments.models import PaymentEvent, Transaction
from tinko.payments.reports import FailureReport, SuccessReport
from tinko.psp.sandbox_events import SOURCE as SANDBOX
from tinko.recovery.lifecycle import close_recovered
from tinko.recovery.models import RecoveryCase


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
