from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tinko.db import unit_of_work
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job
from tinko.notify.mail import write_to_outbox
from tinko.notify.models import OutboundMessage


@job("notify.deliver_message")
def deliver_message(ctx: JobContext, message_id: str) -> None:
    with unit_of_work(ctx.session_factory) as session:
        message = session.get(OutboundMessage, message_id, with_for_update=True)
        if message is None or message.status != "queued":
            return  # already delivered by an earlier run of this job
        write_to_outbox(ctx.settings, message)
        message.status = "outbox"
        message.sent_at = ctx.clock.now()


@job("notify.sweep_queued", every_seconds=60)
def sweep_queued(ctx: JobContext) -> None:
    """Re-offer messages whose delivery job was lost (a crash between commit and publish)."""
    cutoff = ctx.clock.now() - timedelta(minutes=2)
    with unit_of_work(ctx.session_factory) as session:
        stale = session.scalars(
            select(OutboundMessage.id)
            .where(OutboundMessage.status == "queued", OutboundMessage.created_at < cutoff)
            .limit(500)
        ).all()
        for message_id in stale:
            enqueue(session, "notify.deliver_message", message_id=message_id)
