"""The inbox's tables: webhook endpoints, stored deliveries, idempotent API responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    psp: Mapped[str] = mapped_column(String(16))
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    # After a rotation the old secret keeps verifying until this moment.
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    previous_valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """The webhook inbox: a verified PSP event, stored once, processed later by a job."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("org_id", "psp", "external_id"),
        Index("ix_webhook_delivery_status", "status", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[str] = mapped_column(String(40))
    psp: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    # received | processed | ignored | failed, or rejected at the edge (`error` says why)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first response to an `Idempotency-Key`, replayed for the same key and body."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)  # the JSON bytes sent, as sent
    created_at: Mapped[datetime] = mapped_column(index=True)


class InboundCall(Base):
    """One call a merchant's server (API key) or a PSP (webhook endpoint) made to us, for the
    console's developer page: no bodies, no query strings, the route's template as the path,
    so nothing personal is kept. Pruned after `intake.calls.KEEP`."""

    __tablename__ = "inbound_call"
    __table_args__ = (Index("ix_inbound_call_org_at", "org_id", "kind", "at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))  # api | webhook
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    api_key_id: Mapped[str | None] = mapped_column(String(40))
    endpoint_id: Mapped[str | None] = mapped_column(String(40))
    # Webhooks: accepted | duplicate | rejected | bad_signature | error
    outcome: Mapped[str | None] = mapped_column(String(16))
    delivery_id: Mapped[str | None] = mapped_column(String(40))


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(
    WebhookEndpoint,
    "webhook_endpoint",
    masked=("secret_ciphertext", "previous_secret_ciphertext"),
)
