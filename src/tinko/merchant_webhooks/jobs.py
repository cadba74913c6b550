"""Delivering merchant webhooks: one job per try, and a sweep that offers due retries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.auth.models import User
from tinko.db import unit_of_work
from tinko.jobs.outbox import enqueue
from tinko.jobs.registry import JobContext, job
from tinko.kit.clock import Clock
from tinko.kit.secretbox import SecretBox
from tinko.merchant_webhooks import delivery
from tinko.merchant_webhooks.models import MerchantWebhookEndpoint
from tinko.notify.mail import Mail, queue_mail

SWEEP_BATCH = 200


@job("merchant_webhooks.deliver")
def deliver(ctx: JobContext, delivery_id: str, replay: bool = False) -> None:
    box = SecretBox(ctx.settings.secret_key, ctx.settings.encryption_keys)
    with unit_of_work(ctx.session_factory) as session:
        outgoing = delivery.claim(session, ctx.clock, box, delivery_id, replay=replay)
    if outgoing is None:
        return
    # No transaction is open while the receiver answers (or does not).
    result = delivery.post(outgoing, allow_private=ctx.settings.env != "prod")
    with unit_of_work(ctx.session_factory) as session:
        disabled = delivery.record(session, ctx.clock, delivery_id, result, replay=replay)
        if disabled is not None:
            tell_owners(session, ctx.clock, disabled)


@job("merchant_webhooks.sweep", every_seconds=30)
def sweep(ctx: JobContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        for delivery_id in delivery.due(session, ctx.clock.now(), SWEEP_BATCH):
            enqueue(session, "merchant_webhooks.deliver", delivery_id=delivery_id)


def tell_owners(session: Session, clock: Clock, endpoint: MerchantWebhookEndpoint) -> None:
    owners = session.scalars(
        select(User.email).where(
            User.org_id == endpoint.org_id, User.role == "owner", User.status == "active"
        )
    ).all()
    text = (
        f"Tinko stopped sending webhooks to {endpoint.url} (endpoint {endpoint.id}): every try "
        f"of a message failed for about three days.\n\nThe delivery log is at "
        f"GET /v1/merchant-webhooks/{endpoint.id}/deliveries. Fix the receiver, then enable the "
        f"endpoint again (POST /v1/merchant-webhooks/{endpoint.id}/enable) and replay what it "
        "missed.\n"
    )
    for email in owners:
        mail = Mail(email, "Webhook endpoint disabled", text, "webhook_disabled")
        queue_mail(session, clock, endpoint.org_id, mail)
