"""Merchant webhook endpoints, the messages queued for them, and every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base, PortableJSON


class MerchantWebhookEndpoint(Base):
    __tablename__ = "merchant_webhook_endpoint"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(PortableJSON)
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    # After a rotation the old secret signs too (a second signature) until this moment.
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    previous_valid_until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    failure_streak: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MerchantWebhookDelivery(Base):
    """One event for one endpoint; its id is the `webhook-id` (the same on every retry and
    replay, so the receiver can drop duplicates)."""

    __tablename__ = "merchant_webhook_delivery"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("merchant_webhook_endpoint.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_merchant_webhook_delivery_endpoint", "org_id", "endpoint_id", "created_at"),
        Index("ix_merchant_webhook_delivery_due", "status", "next_attempt_at"),
    )


class MerchantWebhookAttempt(Base):
    __tablename__ = "merchant_webhook_attempt"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("merchant_webhook_delivery.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(String(500))


# Endpoint changes are audited; the signing secrets never appear in the log.
watch(
    MerchantWebhookEndpoint,
    "merchant_webhook_endpoint",
    masked=("secret_ciphertext", "previous_secret_ciphertext"),
)
