from __future__ import annotations

from datetime import timedelta

from tinko.db import unit_of_work
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job
from tinko.recovery import engine, runner

SWEEP_BATCH = 500


@job("recovery.run_attempt")
def run_attempt(ctx: JobContext, attempt_id: str) -> None:
    runner.run_attempt(ctx, attempt_id)


@job("recovery.sweep_due", every_seconds=5)
def sweep_due(ctx: JobContext) -> None:
    """Lease the attempts that are due and hand each to a worker."""
    lease = timedelta(seconds=ctx.settings.attempt_lease_seconds)
    with unit_of_work(ctx.session_factory) as session:
        for attempt_id in engine.claim_due(session, ctx.clock, SWEEP_BATCH, lease):
            enqueue(session, "recovery.run_attempt", attempt_id=attempt_id)
