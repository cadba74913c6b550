"""A payment failed: record it in the ledger, open or update its recovery case, plan it.

Called by the inbox (API and webhooks). Planning reads policies, rules and the card's history,
so a job does it just after commit and intake stays fast; the recovery sweep re-plans any case
left pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tinko.classifier import Classification
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.payments import ledger
from tinko.payments.models import Transaction
from tinko.payments.reports import FailureReport
from tinko.recovery.lifecycle import open_or_update_case
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
