from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy import select

from tinko.db import unit_of_work
from tinko.intake import calls, idempotency
from tinko.intake.models import WebhookDelivery
from tinko.intake.webhooks import process_delivery
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job

log = structlog.get_logger("tinko.intake")
MAX_ATTEMPTS = 8


@job("intake.process_webhook")
def process_webhook(ctx: JobContext, delivery_id: str) -> None:
    try:
        with unit_of_work(ctx.session_factory) as session:
            process_delivery(session, ctx.clock, delivery_id)
    except Exception as exc:
        # The work rolled back; count the failure so a poisonous event stops being retried.
        log.exception("webhook_processing_failed", delivery_id=delivery_id)
        with unit_of_work(ctx.session_factory) as session:
            delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
            if delivery is not None and delivery.status == "received":
                delivery.attempts += 1
                delivery.error = f"{type(exc).__name__}: {str(exc)[:500]}"
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = "failed"


@job("intake.sweep_webhooks", every_seconds=30)
def sweep_webhooks(ctx: JobContext) -> None:
    """Offer again deliveries whose processing job was lost or failed."""
    cutoff = ctx.clock.now() - timedelta(minutes=1)
    with unit_of_work(ctx.session_factory) as session:
        stale = session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "received", WebhookDelivery.received_at < cutoff)
            .order_by(WebhookDelivery.received_at)
            .limit(500)
        ).all()
        for delivery_id in stale:
            enqueue(session, "intake.process_webhook", delivery_id=delivery_id)


@job("intake.prune_idempotency", every_seconds=3600)
def prune_idempotency(ctx: JobContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        idempotency.prune(session, ctx.clock)


@job("intake.prune_calls", every_seconds=3600)
def prune_calls(ctx: JobContext) -> None:
    """The inbound call log keeps `calls.KEEP`; older rows go."""
    with unit_of_work(ctx.session_factory) as session:
        calls.prune(session, ctx.clock.now())
