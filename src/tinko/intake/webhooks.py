"""Inbound PSP webhooks: endpoints and their secrets, verification, the inbox, processing.

Verify → check (webhook_checks) → store once per (org, psp, event id) → answer 2xx →
process in a job, unless the check rejected it. The endpoint id
in the URL decides the organisation; nothing in the payload is trusted for that.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import razorpay
import stripe
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tinko.errors import AppError, NotFound
from tinko.intake.models import Transaction, WebhookDelivery, WebhookEndpoint
from tinko.intake.razorpay_events import parse_razorpay_event
from tinko.intake.reports import FailureReport, SuccessReport
from tinko.intake.service import record_failure, record_success
from tinko.intake.stripe_events import parse_stripe_event
from tinko.intake.webhook_checks import check_event
from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.kit.crypto import random_token
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.kit.secretbox import SecretBox
from tinko.kit.upsert import insert_if_absent

ROTATION_GRACE = timedelta(hours=24)
# Stripe's own libraries default to a five-minute tolerance for the signed timestamp.
STRIPE_TOLERANCE_SECONDS = 300
_SECRET_PREFIX = {"stripe": "whsec_", "razorpay": ""}


class BadSignature(AppError):
    status, title, slug = 400, "Bad signature", "bad-signature"


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
    if psp == "stripe":
        _verify_stripe(body, headers.get("stripe-signature"), secrets)
    else:
        _verify_razorpay(body, headers.get("x-razorpay-signature"), secrets)
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
    if inserted and checked.reason is None:
        delivery_id = session.scalars(
            select(WebhookDelivery.id).where(
                WebhookDelivery.org_id == endpoint.org_id,
                WebhookDelivery.psp == psp,
                WebhookDelivery.external_id == external_id,
            )
        ).one()
        enqueue(session, "intake.process_webhook", delivery_id=delivery_id)
    return Receipt(new=inserted, rejected=checked.reason)


def _valid_secrets(endpoint: WebhookEndpoint, box: SecretBox, clock: Clock) -> list[str]:
    secrets = [box.decrypt(endpoint.secret_ciphertext)]
    if (
        endpoint.previous_secret_ciphertext
        and endpoint.previous_valid_until
        and endpoint.previous_valid_until > clock.now()
    ):
        secrets.append(box.decrypt(endpoint.previous_secret_ciphertext))
    return secrets


def _verify_stripe(body: bytes, header: str | None, secrets: list[str]) -> None:
    if not header:
        raise BadSignature("The Stripe-Signature header is missing.")
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), header, secret, tolerance=STRIPE_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError):
            continue
        # The SDK bounds only the past; a timestamp ahead by more than the same tolerance is
        # as suspect. Both bounds read the wall clock: it is when the delivery was signed.
        if _signed_at(header) > time.time() + STRIPE_TOLERANCE_SECONDS:
            raise BadSignature(
                "The Stripe-Signature timestamp is more than "
                f"{STRIPE_TOLERANCE_SECONDS} seconds in the future."
            )
        return
    raise BadSignature(
        "The Stripe-Signature does not match this endpoint's secret, or its timestamp is "
        f"more than {STRIPE_TOLERANCE_SECONDS} seconds old."
    )


def _signed_at(header: str) -> int:
    """The `t=` of a Stripe-Signature the SDK has already parsed and verified."""
    stamps = [v for k, _, v in (p.partition("=") for p in header.split(",")) if k.strip() == "t"]
    return int(stamps[0])


def _verify_razorpay(body: bytes, header: str | None, secrets: list[str]) -> None:
    if not header:
        raise BadSignature("The X-Razorpay-Signature header is missing.")
    utility = razorpay.Utility()
    for secret in secrets:
        try:
            utility.verify_webhook_signature(body.decode("utf-8"), header, secret)
            return
        except (razorpay.errors.SignatureVerificationError, UnicodeDecodeError):
            continue
    raise BadSignature("The X-Razorpay-Signature does not match this endpoint's secret.")


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadSignature("The signed body is not JSON.") from None
    if not isinstance(event, dict):
        raise BadSignature("The signed body is not a JSON object.")
    return event


def _identity(psp: str, event: dict[str, Any], body: bytes) -> tuple[str, str]:
    """The inbox key, from what the signature covers: a header could be changed in a replay."""
    if psp == "stripe":
        external_id = event.get("id")
        event_type = event.get("type")
    else:
        external_id = _razorpay_key(event)
        event_type = event.get("event")
    if not isinstance(external_id, str) or not external_id or len(external_id) > 200:
        external_id = "sha256:" + hashlib.sha256(body).hexdigest()
    return external_id, str(event_type or "unknown")[:80]


def _razorpay_key(event: dict[str, Any]) -> str | None:
    """Razorpay's body has no event id (only the unsigned X-Razorpay-Event-Id header): its
    name, creation time and the ids of the entities it carries name it instead."""
    name, created_at, payload = event.get("event"), event.get("created_at"), event.get("payload")
    if (
        not isinstance(name, str)
        or not isinstance(created_at, int)
        or not isinstance(payload, dict)
    ):
        return None
    ids = sorted(
        f"{kind}={wrapper['entity']['id']}"
        for kind, wrapper in payload.items()
        if isinstance(wrapper, dict)
        and isinstance(wrapper.get("entity"), dict)
        and isinstance(wrapper["entity"].get("id"), str)
    )
    return f"{name}@{created_at}:{','.join(ids)}" if ids else None


def process_delivery(session: Session, clock: Clock, delivery_id: str) -> None:
    """Turn a stored delivery into a failure or success; safe to run twice."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "received":
        return
    parse = parse_stripe_event if delivery.psp == "stripe" else parse_razorpay_event
    report = parse(delivery.payload)
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
        record_failure(
            session,
            clock,
            delivery.org_id,
            report,
            source=delivery.psp,
            external_id=delivery.external_id,
        )
    elif isinstance(report, SuccessReport):
        record_success(
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
