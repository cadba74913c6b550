"""Inbound PSP webhooks: endpoints and their secrets, verification, the inbox, processing.

Verify (the PSP's `WebhookFormat`) → check (webhook_checks) → store once per (org, psp, event
id) → answer 2xx → process in a job, unless the check rejected it. The endpoint id in the URL
decides the organisation; nothing in the payload is trusted for that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tinko.errors import NotFound
from tinko.flows.outcomes import payment_failed, payment_succeeded
from tinko.intake.models import WebhookDelivery, WebhookEndpoint
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.kit.crypto import random_token
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.kit.secretbox import SecretBox
from tinko.kit.upsert import insert_if_absent
from tinko.payments.models import Transaction
from tinko.payments.reports import FailureReport, SuccessReport
from tinko.psp.base import BadSignature as BadSignature
from tinko.psp.registry import webhook_format
from tinko.psp.webhook_checks import check_event

ROTATION_GRACE = timedelta(hours=24)
_SECRET_PREFIX = {"stripe": "whsec_", "razorpay": ""}


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


def create_endpoint(
    session: Session, clock: Clock, box: SecretBox, org_id: str, psp: str
) -> CreatedEndpoint:
    secret = _SECRET_PREFIX[psp] + random_token(24)
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        org_id=org_id,
        psp=psp,
        secret_ciphertext=box.encrypt(secret),
        created_at=clock.now(),
    )
    session.add(endpoint)
    session.flush()
    return CreatedEndpoint(endpoint, secret)


def rotate_secret(
    session: Session, clock: Clock, box: SecretBox, org_id: str, endpoint_id: str
) -> CreatedEndpoint:
    endpoint = get_endpoint(session, org_id, endpoint_id)
    now = clock.now()
    secret = _SECRET_PREFIX[endpoint.psp] + random_token(24)
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_valid_until = now + ROTATION_GRACE
    endpoint.secret_ciphertext = box.encrypt(secret)
    endpoint.rotated_at = now
    return CreatedEndpoint(endpoint, secret)


def reencrypt_all(session: Session, box: SecretBox) -> int:
    """Re-encrypt every endpoint's secrets under the newest key (`tinko rotate-keys`)."""
    rows = session.scalars(select(WebhookEndpoint).with_for_update()).all()
    for row in rows:
        row.secret_ciphertext = box.rotate(row.secret_ciphertext)
        if row.previous_secret_ciphertext:
            row.previous_secret_ciphertext = box.rotate(row.previous_secret_ciphertext)
    return len(rows)


def get_endpoint(session: Session, org_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.org_id == org_id, WebhookEndpoint.id == endpoint_id
        )
    ).one_or_none()
    if endpoint is None:
        raise NotFound("No such webhook endpoint in this organisation.")
    return endpoint


def list_endpoints(session: Session, org_id: str, params: PageParams) -> list[WebhookEndpoint]:
    statement = select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id)
    return list(session.scalars(paginate(statement, WebhookEndpoint.id, params)).all())


def delete_endpoint(session: Session, org_id: str, endpoint_id: str) -> None:
    session.delete(get_endpoint(session, org_id, endpoint_id))


@dataclass(frozen=True)
class Receipt:
    new: bool  # False if this event was stored before
    rejected: str | None  # why a signed event will not be processed (recorded in the inbox)
    delivery_id: str | None = None  # the inbox row (this event's, or the earlier copy's)


def receive(
    session: Session,
    clock: Clock,
    box: SecretBox,
    *,
    psp: str,
    endpoint_id: str,
    body: bytes,
    headers: dict[str, str],
) -> Receipt:
    """Verify and store one delivery, checked (webhook_checks); queue it unless rejected."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.psp != psp:
        raise NotFound("No such webhook endpoint.")
    secrets = _valid_secrets(endpoint, box, clock)
    webhook_format(psp).verify(body, headers, secrets)
    checked = check_event(psp, body)
    external_id, event_type = _identity(psp, checked.payload, body)
    inserted = insert_if_absent(
        session,
        WebhookDelivery.__table__,  # type: ignore[arg-type]
        {
            "id": new_id("whd"),
            "org_id": endpoint.org_id,
            "endpoint_id": endpoint.id,
            "psp": psp,
            "external_id": external_id,
            "event_type": event_type,
            "payload": checked.payload,
            "status": "rejected" if checked.reason else "received",
            "error": checked.reason,
            "attempts": 0,
            "received_at": clock.now(),
        },
        ["org_id", "psp", "external_id"],
    )
    delivery_id = session.scalars(
        select(WebhookDelivery.id).where(
            WebhookDelivery.org_id == endpoint.org_id,
            WebhookDelivery.psp == psp,
            WebhookDelivery.external_id == external_id,
        )
    ).one()
    if inserted and checked.reason is None:
        enqueue(session, "intake.process_webhook", delivery_id=delivery_id)
    return Receipt(new=inserted, rejected=checked.reason, delivery_id=delivery_id)


def _valid_secrets(endpoint: WebhookEndpoint, box: SecretBox, clock: Clock) -> list[str]:
    secrets = [box.decrypt(endpoint.secret_ciphertext)]
    if (
        endpoint.previous_secret_ciphertext
        and endpoint.previous_valid_until
        and endpoint.previous_valid_until > clock.now()
    ):
        secrets.append(box.decrypt(endpoint.previous_secret_ciphertext))
    return secrets


def _identity(psp: str, event: dict[str, Any], body: bytes) -> tuple[str, str]:
    """The inbox key, from what the signature covers: a header could be changed in a replay."""
    external_id, event_type = webhook_format(psp).identity(event, body)
    if not isinstance(external_id, str) or not external_id or len(external_id) > 200:
        external_id = "sha256:" + hashlib.sha256(body).hexdigest()
    return external_id, event_type[:80]


def process_delivery(session: Session, clock: Clock, delivery_id: str) -> None:
    """Turn a stored delivery into a failure or success; safe to run twice."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "received":
        return
    report = webhook_format(delivery.psp).parse(delivery.payload)
    delivery.attempts += 1
    delivery.processed_at = clock.now()
    if report is None:
        delivery.status = "ignored"
        return
    if isinstance(report, FailureReport) and report.kind == "mandate_revoked":
        report = _with_known_amount(session, delivery.org_id, report)
        if report is None:
            delivery.status, delivery.error = "ignored", "no known transaction for this mandate"
            return
    if isinstance(report, FailureReport):
        payment_failed(
            session,
            clock,
            delivery.org_id,
            report,
            source=delivery.psp,
            external_id=delivery.external_id,
        )
    elif isinstance(report, SuccessReport):
        payment_succeeded(
            session,
            clock,
            delivery.org_id,
            report,
            source=delivery.psp,
            external_id=delivery.external_id,
        )
    delivery.status = "processed"


def _with_known_amount(
    session: Session, org_id: str, report: FailureReport
) -> FailureReport | None:
    conditions = [Transaction.transaction_ref == report.transaction_ref]
    if report.psp_object_id:
        conditions.append(Transaction.psp_object_id == report.psp_object_id)
    known = session.scalars(
        select(Transaction).where(Transaction.org_id == org_id, or_(*conditions)).limit(1)
    ).first()
    if known is None:
        return None
    return replace(
        report,
        transaction_ref=known.transaction_ref,
        amount_minor=known.amount_minor,
        currency=known.currency,
    )
