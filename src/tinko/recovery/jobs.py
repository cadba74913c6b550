from __future__ import annotations

from datetime import timedelta

from tinko.db import unit_of_work
from tinko.flows import retry
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job
from tinko.recovery import engine, locks, planning
from tinko.recovery.models import OPEN_STATUSES

SWEEP_BATCH = 500
# Attempts one job claims, charges and records together: three transactions for the lot.
RUN_BATCH = 50


@job("recovery.run_attempt")
def run_attempt(ctx: JobContext, attempt_id: str) -> None:
    retry.run_attempt(ctx, attempt_id)


@job("recovery.run_batch")
def run_batch(ctx: JobContext, attempt_ids: list[str]) -> None:
    retry.run_batch(ctx, attempt_ids)


@job("recovery.plan_case")
def plan_case(ctx: JobContext, case_id: str) -> None:
    """Plan a case that has just opened (or re-plan one whose plan was lost); idempotent."""
    with unit_of_work(ctx.session_factory) as session:
        locked = locks.lock_for_work(session, case_id=case_id)
        if locked is None:
            return
        _, case, transaction = locked
        if case.status in OPEN_STATUSES:
            planning.plan_case(session, ctx.clock, case, transaction)


@job("recovery.sweep_due", every_seconds=5)
def sweep_due(ctx: JobContext) -> None:
    """Lease the attempts that are due and hand them to workers in batches."""
    lease = timedelta(seconds=ctx.settings.attempt_lease_seconds)
    with unit_of_work(ctx.session_factory) as session:
        for case_id in engine.unplanned_cases(session, ctx.clock, SWEEP_BATCH):
            enqueue(session, "recovery.plan_case", case_id=case_id)
        due = engine.claim_due(session, ctx.clock, SWEEP_BATCH, lease)
        for start in range(0, len(due), RUN_BATCH):
            enqueue(session, "recovery.run_batch", attempt_ids=due[start : start + RUN_BATCH])
