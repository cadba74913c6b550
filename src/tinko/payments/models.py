"""The payments ledger's tables: one row per transaction, one per event we were told of."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
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
    # The card's issuing bank as the PSP names it: retries wait while it is seen down.
    card_issuer: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    psp_object_id: Mapped[str | None] = mapped_column(String(200))
    customer_ref: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer_phone: Mapped[str | None] = mapped_column(String(32))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_locale: Mapped[str | None] = mapped_column(String(16))
    customer_timezone: Mapped[str | None] = mapped_column(String(64))  # IANA, when given
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
        # The last hours of an organisation's events (recovery.issuer_health).
        Index("ix_payment_event_org_time", "org_id", "occurred_at"),
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
