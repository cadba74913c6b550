"""The sandbox PSP's webhooks (docs/api.md "The sandbox PSP": "sends signed webhooks to Tinko's own
intake"), so the demo shows the webhook path with no outside account.

Design, and why:
- Format: Stripe's. Events are `payment_intent.succeeded` (a retry approved) and
  `checkout.session.completed` (the hosted page paid), with `metadata.transaction_ref`, signed
  with Stripe's scheme (`Stripe-Signature: t=…,v1=HMAC-SHA256`), so intake's existing parser
  and the official SDK's verifier handle them; nothing new to trust.
- Secret: one per organisation, derived from TINKO_SECRET_KEY (HMAC), so it needs no set-up
  and no row, and rotating TINKO_SECRET_KEY rotates it.
- Delivery: like a PSP, over HTTP to TINKO_BASE_URL (`POST /sandbox/webhooks/{org_id}`),
  from a job. The event row is written in the same unit of work as the charge or payment it
  reports, so an approved charge always has its webhook owed; the job runs after commit, and a
  sweep retries undelivered events with backoff (a PSP's retry schedule, shortened).
- Intake: verified with the org's secret, recorded once per event id (`PaymentEvent` is unique
  per source and external id); a success already recorded by the retry or the payer page is
  acknowledged and not recorded twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.jobs.outbox import enqueue
from tinko.kit import signing
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.psp.models import SandboxEvent

log = structlog.get_logger("tinko.psp")

MAX_ATTEMPTS = 10
DELIVERY_TIMEOUT_SECONDS = 5.0
SOURCE = "sandbox"
FIRST_SWEEP_AFTER = timedelta(minutes=1)


def signing_secret(secret_key: str, org_id: str) -> str:
    digest = signing.subkey(secret_key, f"tinko/sandbox-webhook/v1:{org_id}").hex()
    return f"whsec_{digest[:48]}"


def sign(secret: str, body: str, timestamp: int) -> str:
    """Stripe's scheme (https://docs.stripe.com/webhooks#verify-manually)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def owe_event(
    session: Session,
    clock: Clock,
    org_id: str,
    event_type: str,
    obj: dict[str, Any],
) -> SandboxEvent:
    """Write an event the sandbox owes the org's intake, and ask for its delivery after commit."""
    now = clock.now()
    event = SandboxEvent(
        id=new_id("evt_sbx"),
        org_id=org_id,
        event_type=event_type,
        payload={
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(now.timestamp()),
            "type": event_type,
            "livemode": False,
            "data": {"object": obj},
        },
        status="pending",
        attempts=0,
        created_at=now,
        # The job asked for below goes first; the sweep steps in only if that job was lost.
        next_try_at=now + FIRST_SWEEP_AFTER,
    )
    event.payload["id"] = event.id
    session.add(event)
    enqueue(session, "psp.deliver_sandbox_event", event_id=event.id)
    return event


def payment_intent_object(
    *, charge_id: str, amount_minor: int, currency: str, transaction_ref: str, method: str
) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "payment_intent",
        "amount": amount_minor,
        "amount_received": amount_minor,
        "currency": currency.lower(),
        "status": "succeeded",
        "payment_method": method,
        "metadata": {"transaction_ref": transaction_ref},
    }


def checkout_session_object(
    *, checkout_id: str, amount_minor: int, currency: str, transaction_ref: str, case_id: str
) -> dict[str, Any]:
    return {
        "id": checkout_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": amount_minor,
        "currency": currency.lower(),
        "client_reference_id": case_id,
        "payment_intent": None,
        "metadata": {"transaction_ref": transaction_ref},
    }


def event_to_send(session: Session, event_id: str) -> SandboxEvent | None:
    event = session.get(SandboxEvent, event_id)
    return event if event is not None and event.status == "pending" else None


def post(base_url: str, secret_key: str, event: SandboxEvent) -> str | None:
    """POST the event to the org's intake; None when it was taken, else why not."""
    body = json.dumps(event.payload, separators=(",", ":"))
    # The signature's timestamp is the wall clock on purpose: the receiver checks it against
    # its own clock with Stripe's tolerance, as it would for Stripe.
    signature = sign(signing_secret(secret_key, event.org_id), body, int(time.time()))
    try:
        response = httpx.post(
            f"{base_url}/sandbox/webhooks/{event.org_id}",
            content=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            timeout=DELIVERY_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    if response.is_success:
        return None
    return f"HTTP {response.status_code}"


def record_delivery(session: Session, now: datetime, event_id: str, error: str | None) -> None:
    event = session.get(SandboxEvent, event_id, with_for_update=True)
    if event is None or event.status != "pending":
        return
    event.attempts += 1
    if error is None:
        event.status, event.delivered_at, event.last_error = "delivered", now, None
        return
    event.last_error = error
    if event.attempts >= MAX_ATTEMPTS:
        event.status = "failed"
        log.warning("sandbox_webhook_gave_up", event_id=event.id, error=error)
        return
    event.next_try_at = now + min(timedelta(minutes=2**event.attempts), timedelta(hours=2))
    log.info("sandbox_webhook_undelivered", event_id=event.id, error=error)


def due_events(session: Session, now: datetime, limit: int = 200) -> list[str]:
    """Undelivered events whose next try is due, across organisations (a system sweep)."""
    return list(
        session.scalars(
            select(SandboxEvent.id)
            .where(SandboxEvent.status == "pending", SandboxEvent.next_try_at <= now)
            .order_by(SandboxEvent.next_try_at)
            .limit(limit)
        ).all()
    )
