from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base


class SandboxCharge(Base):
    """The sandbox PSP's ledger: one row per idempotency key, like a real PSP's charges."""

    __tablename__ = "sandbox_charge"
    __table_args__ = (UniqueConstraint("org_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(200))
    payment_method_ref: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # succeeded | declined | failed
    decline_code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]


class PspCredential(Base):
    """An organisation's API keys for one PSP, encrypted at rest (tinko.kit.secretbox).

    `fields_ciphertext` holds every field as one encrypted JSON object; `hints` keeps only
    what the console may show (which fields are set, a masked tail).
    """

    __tablename__ = "psp_credential"
    __table_args__ = (UniqueConstraint("org_id", "psp"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    psp: Mapped[str] = mapped_column(String(16))  # stripe | razorpay
    fields_ciphertext: Mapped[str] = mapped_column(Text)
    hints: Mapped[dict[str, Any]]
    livemode: Mapped[bool]
    verified_at: Mapped[datetime | None]
    verify_ok: Mapped[bool | None]
    verify_detail: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PspCheckout(Base):
    """A hosted checkout we opened at a PSP for a recovery link (a Stripe Checkout Session, a
    Razorpay Payment Link, the sandbox page). Reused while open, so a payer who clicks twice
    gets one page to pay on, and a return is only trusted for a checkout of its own case."""

    __tablename__ = "psp_checkout"
    __table_args__ = (
        UniqueConstraint("org_id", "psp", "external_id"),
        Index("ix_psp_checkout_link", "org_id", "link_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("recovery_case.id", ondelete="CASCADE"))
    link_id: Mapped[str] = mapped_column(String(40))
    psp: Mapped[str] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # open | paid
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]


class SandboxEvent(Base):
    """A webhook the sandbox PSP owes the organisation's intake (sandbox_events.py): written
    with the charge or payment it reports, delivered over HTTP by a job, retried by a sweep."""

    __tablename__ = "sandbox_event"
    __table_args__ = (Index("ix_sandbox_event_due", "status", "next_try_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    next_try_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(PspCredential, "psp_credential", masked=("fields_ciphertext",))
