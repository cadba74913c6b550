"""Delivery jobs: one message per job; a sweep re-offers what is due or was lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select

from tinko.db import unit_of_work
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job
from tinko.notify import delivery
from tinko.notify.models import OutboundMessage
from tinko.recovery.outreach import case_state

SWEEP_BATCH = 500
# A fresh message's own job normally runs within seconds; the sweep only picks up lost ones.
_LOST_AFTER = timedelta(minutes=2)


@job("notify.deliver_message")
def deliver_message(ctx: JobContext, message_id: str) -> None:
    with unit_of_work(ctx.session_factory) as session:
        outgoing = delivery.claim(session, ctx.clock, message_id, case_state)
    if outgoing is None:
        return
    # The network call happens outside any transaction: no row lock is held while we wait.
    outcome = delivery.send(ctx.settings, outgoing)
    with unit_of_work(ctx.session_factory) as session:
        delivery.record(session, ctx.clock, message_id, outcome)


@job("notify.sweep_queued", every_seconds=30)
def sweep_queued(ctx: JobContext) -> None:
    """Offer again: messages whose retry or quiet-hours wait is over, messages whose job was
    lost (a crash between commit and publish), and sends a dead worker left unfinished."""
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory) as session:
        stale_sends = session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.status == "sending",
                OutboundMessage.claimed_at < now - delivery.SEND_LEASE,
            )
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for message in stale_sends:
            delivery.release_stale_sends(message, now)
        due = session.scalars(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.status == "queued",
                or_(
                    OutboundMessage.not_before <= now,
                    and_(
                        OutboundMessage.not_before.is_(None),
                        OutboundMessage.created_at < now - _LOST_AFTER,
                    ),
                ),
            )
            .order_by(OutboundMessage.id)
            .limit(SWEEP_BATCH)
        ).all()
        for message_id in due:
            enqueue(session, "notify.deliver_message", message_id=message_id)
