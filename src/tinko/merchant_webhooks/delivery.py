"""Sending one delivery: claim it, sign it (Standard Webhooks), POST it with no transaction
open, record the attempt, and schedule the next try or give up.

Retries back off exponentially (1, 4, 16, 64, 256, 1024 minutes, then a day, twice: nine
tries over about three days). 2xx is delivered; anything else, a redirect included (never
followed), a timeout or a refused address, is a failed try. An endpoint whose delivery used up
its tries with no success since is disabled, and its owners are told.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.secretbox import SecretBox
from tinko.merchant_webhooks.addresses import AddressRefused, check_url
from tinko.merchant_webhooks.models import (
    MerchantWebhookAttempt,
    MerchantWebhookDelivery,
    MerchantWebhookEndpoint,
)

MAX_ATTEMPTS = 9
MAX_DELAY = timedelta(days=1)
# A claimed delivery is not offered again by the sweep for this long (a worker that died).
CLAIM_LEASE = timedelta(minutes=2)
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
EXCERPT = 500


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 4^(n-1) minutes, at most a day."""
    return min(timedelta(minutes=4 ** (attempts - 1)), MAX_DELAY)


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    url: str
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Result:
    status_code: int | None
    error: str | None
    latency_ms: int
    excerpt: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def claim(
    session: Session, clock: Clock, box: SecretBox, delivery_id: str, *, replay: bool = False
) -> Outgoing | None:
    """The signed request to send now, or None when it is not due or not ours."""
    delivery = session.get(MerchantWebhookDelivery, delivery_id, with_for_update=True)
    now = clock.now()
    if delivery is None or delivery.status != "pending":
        return None
    if not replay and delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None  # another worker holds it, or its time has not come
    endpoint = session.get_one(MerchantWebhookEndpoint, delivery.endpoint_id)
    if endpoint.deleted_at is not None or (endpoint.status != "active" and not replay):
        delivery.status, delivery.last_error = "failed", f"endpoint {endpoint.status}"
        delivery.next_attempt_at = None
        return None
    delivery.next_attempt_at = now + CLAIM_LEASE
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    return Outgoing(
        delivery.id, endpoint.url, body, _headers(box, endpoint, delivery.id, body, now)
    )


def _headers(
    box: SecretBox, endpoint: MerchantWebhookEndpoint, message_id: str, body: str, now: datetime
) -> dict[str, str]:
    secrets = [box.decrypt(endpoint.secret_ciphertext)]
    if endpoint.previous_secret_ciphertext and (endpoint.previous_valid_until or now) > now:
        secrets.append(box.decrypt(endpoint.previous_secret_ciphertext))
    # Standard Webhooks: several space-separated signatures while secrets overlap.
    signature = " ".join(Webhook(s).sign(message_id, now, body) for s in secrets)
    return {
        "content-type": "application/json",
        "user-agent": "Tinko-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def post(outgoing: Outgoing, *, allow_private: bool) -> Result:
    """POST once: the address checked again now, redirects not followed, short timeouts."""
    started = time.perf_counter()
    try:
        check_url(outgoing.url, allow_private=allow_private)
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
            response = client.post(outgoing.url, content=outgoing.body, headers=outgoing.headers)
    except AddressRefused as exc:
        return Result(None, f"refused: {exc}", _ms(started), None)
    except httpx.TimeoutException:
        return Result(None, "timed out", _ms(started), None)
    except httpx.HTTPError as exc:
        return Result(None, f"{type(exc).__name__}: {str(exc)[:200]}", _ms(started), None)
    excerpt = response.text[:EXCERPT] if response.content else None
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Result(response.status_code, error, _ms(started), excerpt)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def record(
    session: Session, clock: Clock, delivery_id: str, result: Result, *, replay: bool = False
) -> MerchantWebhookEndpoint | None:
    """Log the try and move the delivery on; the endpoint if this try disabled it."""
    delivery = session.get_one(MerchantWebhookDelivery, delivery_id, with_for_update=True)
    endpoint = session.get_one(MerchantWebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    now = clock.now()
    session.add(
        MerchantWebhookAttempt(
            id=new_id("mwa"),
            org_id=delivery.org_id,
            delivery_id=delivery.id,
            at=now,
            status_code=result.status_code,
            error=result.error,
            latency_ms=result.latency_ms,
            response_excerpt=result.excerpt,
        )
    )
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = result.status_code, result.error
    if result.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.failure_streak = 0
        return None
    endpoint.failure_streak += 1
    if replay or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    if (
        delivery.status == "failed"
        and not replay
        and endpoint.status == "active"
        and endpoint.failure_streak >= MAX_ATTEMPTS
    ):
        endpoint.status, endpoint.disabled_at, endpoint.updated_at = "disabled", now, now
        return endpoint
    return None


def due(session: Session, now: datetime, limit: int) -> list[str]:
    return list(
        session.scalars(
            select(MerchantWebhookDelivery.id)
            .where(
                MerchantWebhookDelivery.status == "pending",
                MerchantWebhookDelivery.next_attempt_at <= now,
            )
            .order_by(MerchantWebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )
