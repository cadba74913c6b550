"""Jobs of the psp domain: delivering the sandbox PSP's webhooks."""

from __future__ import annotations

from tinko.db import unit_of_work
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job
from tinko.psp import sandbox_events

SWEEP_EVERY_SECONDS = 30


@job("psp.deliver_sandbox_event")
def deliver_sandbox_event(ctx: JobContext, event_id: str) -> None:
    """POST one owed sandbox event to the org's intake; safe to run twice."""
    with unit_of_work(ctx.session_factory) as session:
        event = sandbox_events.event_to_send(session, event_id)
        if event is None:
            return
        session.expunge(event)
    # No transaction is held over the HTTP call: the receiver writes to the same database.
    error = sandbox_events.post(ctx.settings.base_url, ctx.settings.secret_key, event)
    with unit_of_work(ctx.session_factory) as session:
        sandbox_events.record_delivery(session, ctx.clock.now(), event_id, error)


@job("psp.sweep_sandbox_events", every_seconds=SWEEP_EVERY_SECONDS)
def sweep_sandbox_events(ctx: JobContext) -> None:
    """Offer again the sandbox events whose delivery failed or whose job was lost."""
    with unit_of_work(ctx.session_factory) as session:
        for event_id in sandbox_events.due_events(session, ctx.clock.now()):
            enqueue(session, "psp.deliver_sandbox_event", event_id=event_id)
