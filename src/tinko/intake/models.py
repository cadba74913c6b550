from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinko.db import Base


class Transaction(Base):
    """A merchant's payment, known by the merchant's own reference."""

    __tablename__ = "payment_transaction"
    __table_args__ = (
        UniqueConstraint("org_id", "transaction_ref"),
        # The network rules count a card's failed payments across orders (recovery.engine).
        Index("ix_transaction_method", "org_id", "payment_method_ref"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    transaction_ref: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    gateway: Mapped[str] = mapped_column(String(32))
    payment_method_type: Mapped[str | None] = mapped_column(String(16))
    payment_method_ref: Mapped[str | None] = mapped_column(String(200))
    card_network: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    psp_object_id: Mapped[str | None] = mapped_column(String(200))
    customer_ref: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer_phone: Mapped[str | None] = mapped_column(String(32))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_locale: Mapped[str | None] = mapped_column(String(16))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    status: Mapped[str] = mapped_column(String(16))  # failed | succeeded
    last_failed_at: Mapped[datetime | None]
    succeeded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentEvent(Base):
    """One failure or success we were told about, from the API or a PSP webhook; never edited."""

    __tablename__ = "payment_event"
    __table_args__ = (
        UniqueConstraint("org_id", "source", "external_id"),
        Index("ix_payment_event_transaction", "transaction_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("payment_transaction.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(
        String(24)
    )  # payment_failed | payment_succeeded | mandate_revoked
    source: Mapped[str] = mapped_column(String(16))  # api | stripe | razorpay | sandbox
    external_id: Mapped[str | None] = mapped_column(String(200))
    event_type: Mapped[str | None] = mapped_column(String(80))  # the PSP's own event name
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    failure_code: Mapped[str | None] = mapped_column(String(100))
    decline_code: Mapped[str | None] = mapped_column(String(100))
    network_advice_code: Mapped[str | None] = mapped_column(String(16))
    network_decline_code: Mapped[str | None] = mapped_column(String(16))
    failure_message: Mapped[str | None] = mapped_column(Text)
    payment_method_type: Mapped[str | None] = mapped_column(String(16))
    psp_attempt_id: Mapped[str | None] = mapped_column(String(200))
    classification: Mapped[dict[str, Any] | None]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


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
