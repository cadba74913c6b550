"""Merchant webhook endpoints (register, list, delete, rotate) and `emit`, which queues an
event for every endpoint that asked for it. Services flush, never commit."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.audit.chain import iso
from tinko.errors import NotFound, Unprocessable
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.kit.secretbox import SecretBox
from tinko.merchant_webhooks.addresses import AddressRefused, check_url
from tinko.merchant_webhooks.models import (
    MerchantWebhookAttempt,
    MerchantWebhookDelivery,
    MerchantWebhookEndpoint,
)

EVENT_TYPES = (
    "recovery.opened",
    "recovery.attempt_scheduled",
    "recovery.attempt_failed",
    "recovery.recovered",
    "recovery.exhausted",
    "recovery.cancelled",
    "notification.failed",
    "merchant.notified",
)
# How long the old secret keeps signing after a rotation, next to the new one.
ROTATION_OVERLAP = timedelta(hours=24)
_NOT_FOUND = "No such merchant webhook endpoint in this organisation."
_CACHE = "tinko.merchant_webhooks.endpoints"


def new_secret() -> str:
    """`whsec_` + base64 of 24 random bytes, the Standard Webhooks secret format."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


@dataclass(frozen=True)
class Created:
    endpoint: MerchantWebhookEndpoint
    secret: str


def _check(url: str, events: list[str], allow_private: bool) -> list[str]:
    try:
        check_url(url, allow_private=allow_private)
    except AddressRefused as exc:
        raise Unprocessable(f"url {exc}", loc=["body", "url"]) from None
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        detail = f"unknown event types {unknown}" if unknown else "name at least one event"
        raise Unprocessable(f"{detail}; known: {', '.join(EVENT_TYPES)}", loc=["body", "events"])
    return sorted(set(events))


def create_endpoint(
    session: Session,
    clock: Clock,
    box: SecretBox,
    org_id: str,
    fields: Mapping[str, Any],
    allow_private: bool,
) -> Created:
    url = str(fields["url"])
    chosen = _check(url, list(fields["events"]), allow_private)
    secret, now = new_secret(), clock.now()
    endpoint = MerchantWebhookEndpoint(
        id=new_id("mwh"),
        org_id=org_id,
        url=url,
        events=chosen,
        secret_ciphertext=box.encrypt(secret),
        status="active",
        failure_streak=0,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    session.info.pop(_CACHE, None)
    return Created(endpoint, secret)


def list_endpoints(
    session: Session, org_id: str, params: PageParams
) -> list[MerchantWebhookEndpoint]:
    query = select(MerchantWebhookEndpoint).where(
        MerchantWebhookEndpoint.org_id == org_id, MerchantWebhookEndpoint.deleted_at.is_(None)
    )
    return list(session.scalars(paginate(query, MerchantWebhookEndpoint.id, params)))


def get_endpoint(
    session: Session, org_id: str, endpoint_id: str, *, lock: bool = False
) -> MerchantWebhookEndpoint:
    query = select(MerchantWebhookEndpoint).where(
        MerchantWebhookEndpoint.org_id == org_id,
        MerchantWebhookEndpoint.id == endpoint_id,
        MerchantWebhookEndpoint.deleted_at.is_(None),
    )
    endpoint = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if endpoint is None:
        raise NotFound(_NOT_FOUND)
    return endpoint


def delete_endpoint(session: Session, clock: Clock, org_id: str, endpoint_id: str) -> None:
    """Deleted endpoints keep their delivery log; nothing more is sent to them."""
    endpoint = get_endpoint(session, org_id, endpoint_id, lock=True)
    endpoint.deleted_at = endpoint.updated_at = clock.now()
    session.flush()
    session.info.pop(_CACHE, None)


def rotate_secret(
    session: Session, clock: Clock, box: SecretBox, org_id: str, endpoint_id: str
) -> Created:
    """A new secret; the old one keeps signing next to it for ROTATION_OVERLAP."""
    endpoint = get_endpoint(session, org_id, endpoint_id, lock=True)
    secret, now = new_secret(), clock.now()
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_valid_until = now + ROTATION_OVERLAP
    endpoint.secret_ciphertext = box.encrypt(secret)
    endpoint.updated_at = now
    session.flush()
    return Created(endpoint, secret)


def enable(
    session: Session, clock: Clock, org_id: str, endpoint_id: str
) -> MerchantWebhookEndpoint:
    endpoint = get_endpoint(session, org_id, endpoint_id, lock=True)
    endpoint.status, endpoint.failure_streak, endpoint.disabled_at = "active", 0, None
    endpoint.updated_at = clock.now()
    session.flush()
    session.info.pop(_CACHE, None)
    return endpoint


def _subscribers(session: Session, org_id: str) -> list[tuple[str, frozenset[str]]]:
    """The org's active endpoints and their events, read once per unit of work: a batch of
    retries emits many events and must not query for each."""
    cache: dict[str, list[tuple[str, frozenset[str]]]] = session.info.setdefault(_CACHE, {})
    if org_id not in cache:
        rows = session.execute(
            select(MerchantWebhookEndpoint.id, MerchantWebhookEndpoint.events).where(
                MerchantWebhookEndpoint.org_id == org_id,
                MerchantWebhookEndpoint.status == "active",
                MerchantWebhookEndpoint.deleted_at.is_(None),
            )
        ).all()
        cache[org_id] = [(row.id, frozenset(row.events)) for row in rows]
    return cache[org_id]


def wants(session: Session, org_id: str, event_type: str) -> bool:
    """Whether any active endpoint of the org asked for `event_type` (callers skip building
    the payload when none did)."""
    return any(event_type in events for _, events in _subscribers(session, org_id))


def emit(
    session: Session, now: datetime, org_id: str, event_type: str, data: Mapping[str, Any]
) -> int:
    """Queue `event_type` for each endpoint that asked for it; sent by a job after commit, so
    a slow or failing receiver never holds up the caller. The number of deliveries queued."""
    queued = 0
    for endpoint_id, events in _subscribers(session, org_id):
        if event_type not in events:
            continue
        delivery_id = new_id("msg")
        payload = {"type": event_type, "timestamp": iso(now), "data": dict(data)}
        session.add(
            MerchantWebhookDelivery(
                id=delivery_id,
                org_id=org_id,
                endpoint_id=endpoint_id,
                event_type=event_type,
                payload=payload,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        enqueue(session, "merchant_webhooks.deliver", delivery_id=delivery_id)
        queued += 1
    return queued


def list_deliveries(
    session: Session, org_id: str, endpoint_id: str, params: PageParams
) -> list[MerchantWebhookDelivery]:
    get_endpoint(session, org_id, endpoint_id)
    query = select(MerchantWebhookDelivery).where(
        MerchantWebhookDelivery.org_id == org_id,
        MerchantWebhookDelivery.endpoint_id == endpoint_id,
    )
    return list(
        session.scalars(paginate(query, MerchantWebhookDelivery.id, params, newest_first=True))
    )


def replay(
    session: Session, clock: Clock, org_id: str, delivery_id: str
) -> MerchantWebhookDelivery:
    """Send a delivery again now (same `webhook-id`), whatever became of it."""
    delivery = session.scalars(
        select(MerchantWebhookDelivery)
        .where(MerchantWebhookDelivery.org_id == org_id, MerchantWebhookDelivery.id == delivery_id)
        .with_for_update()
    ).one_or_none()
    if delivery is None:
        raise NotFound("No such delivery in this organisation.")
    get_endpoint(session, org_id, delivery.endpoint_id)
    delivery.status, delivery.next_attempt_at = "pending", clock.now()
    enqueue(session, "merchant_webhooks.deliver", delivery_id=delivery.id, replay=True)
    session.flush()
    return delivery


def attempts_of(
    session: Session, org_id: str, delivery_ids: list[str]
) -> dict[str, list[MerchantWebhookAttempt]]:
    found: dict[str, list[MerchantWebhookAttempt]] = {}
    if not delivery_ids:
        return found
    rows = session.scalars(
        select(MerchantWebhookAttempt)
        .where(
            MerchantWebhookAttempt.org_id == org_id,
            MerchantWebhookAttempt.delivery_id.in_(delivery_ids),
        )
        .order_by(MerchantWebhookAttempt.id)
    )
    for row in rows:
        found.setdefault(row.delivery_id, []).append(row)
    return found


def reencrypt_all(session: Session, box: SecretBox) -> int:
    """Re-encrypt every endpoint's secrets under the newest key (`tinko rotate-keys`)."""
    rows = session.scalars(select(MerchantWebhookEndpoint).with_for_update()).all()
    for row in rows:
        row.secret_ciphertext = box.rotate(row.secret_ciphertext)
        if row.previous_secret_ciphertext:
            row.previous_secret_ciphertext = box.rotate(row.previous_secret_ciphertext)
    return len(rows)
