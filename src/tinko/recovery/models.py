from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tinko.db import Base
from tinko.recovery.statuses import CLOSED, OPEN, PAYABLE

OPEN_STATUSES, PAYABLE_STATUSES, CLOSED_STATUSES = OPEN, PAYABLE, CLOSED  # see statuses.py


class RecoveryCase(Base):
    """The work to recover one failed transaction; at most one open case per transaction."""

    __tablename__ = "recovery_case"
    __table_args__ = (
        Index("ix_recovery_case_transaction", "org_id", "transaction_id"),
        Index("ix_recovery_case_status", "org_id", "status"),
        # Analytics reads an org's cases by the moment of their first failure.
        Index("ix_recovery_case_failed", "org_id", "failed_at"),
        # Analytics' rollups find the cases changed since their last refresh by this.
        Index("ix_recovery_case_updated", "org_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("payment_transaction.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16))  # a CaseStatus, changed by lifecycle only
    category: Mapped[str] = mapped_column(String(32))
    decline_type: Mapped[str] = mapped_column(String(8))
    classification: Mapped[dict[str, Any]]
    failure_count: Mapped[int] = mapped_column(Integer, default=1)
    rule_id: Mapped[str | None] = mapped_column(String(40))
    rule_version: Mapped[int | None]
    policy_name: Mapped[str | None] = mapped_column(String(200))
    policy_id: Mapped[str | None] = mapped_column(String(40))  # None: a built-in default
    # When the payment first failed (the cohort of analytics); older rows: when opened.
    failed_at: Mapped[datetime | None]
    # In the org's measurement group: tracked, never retried or messaged by Tinko.
    holdout: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # How a recovered case was paid: psp_retry | payer_link | outside (merchant or PSP).
    recovered_by: Mapped[str | None] = mapped_column(String(16))
    next_action_at: Mapped[datetime | None]
    # The end of the recovery window: nothing is planned after it.
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # Every writer of a case sets it (lifecycle does on each move): analytics' rollups
    # re-read the cohort day of any case changed since they were built.
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    # Why it closed (or was never worked), as a tinko.reasons reason; None on older rows.
    reason: Mapped[dict[str, Any] | None]
    # The merchant cancelled while a charge was at the PSP: the case closes once its outcome
    # is known (cancelled, or recovered if the money arrived).
    cancel_requested_at: Mapped[datetime | None]


# A PSP charge is in flight from its claim until its outcome is recorded.
CHARGE_IN_FLIGHT = "kind = 'psp_retry' AND started_at IS NOT NULL AND finished_at IS NULL"


class RecoveryAttempt(Base):
    """One planned step of a case: a silent PSP retry or a message to the customer.

    Planned rows are the scheduler's queue (status `scheduled`, `scheduled_for` due); the row
    is claimed with a lease before it runs, so a crashed worker's claim expires and the next
    sweep retries it with the same id, which is also the PSP idempotency key.
    """

    __tablename__ = "recovery_attempt"
    __table_args__ = (
        Index("ix_recovery_attempt_due", "status", "scheduled_for"),
        Index("ix_recovery_attempt_case", "org_id", "case_id"),
        Index("ix_recovery_attempt_method", "org_id", "payment_method_ref", "started_at"),
        # The last hours of an organisation's retries (recovery.issuer_health).
        Index("ix_recovery_attempt_org_started", "org_id", "started_at"),
        # Never two PSP charges of one case in flight, whoever planned them.
        Index(
            "uq_recovery_attempt_charge_in_flight",
            "case_id",
            unique=True,
            sqlite_where=text(CHARGE_IN_FLIGHT),
            postgresql_where=text(CHARGE_IN_FLIGHT),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("recovery_case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # psp_retry | notification
    channel: Mapped[str | None] = mapped_column(String(16))  # email | sms | whatsapp
    attempt_number: Mapped[int] = mapped_column(Integer)
    # An AttemptStatus (scheduled → queued → running → done | cancelled), changed by lifecycle only
    status: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))
    blocked_by: Mapped[str | None] = mapped_column(String(64))
    payment_method_ref: Mapped[str | None] = mapped_column(String(200))
    card_network: Mapped[str | None] = mapped_column(String(16))
    decline: Mapped[dict[str, Any] | None]
    # The PSP's id for this charge once it gave one; a re-run looks it up instead of charging.
    psp_reference: Mapped[str | None] = mapped_column(String(120))
    planned_by: Mapped[str | None] = mapped_column(String(80))  # policy or rule that planned it
    # The learned-timing slot that chose this retry's moment ("category/rail/d1h09|dom15|wd0":
    # the slot, then the calendar cells of its moment), if any:
    # its outcome updates that slot's stats (recovery.slot_stats).
    timing_slot: Mapped[str | None] = mapped_column(String(80))
    # Why it was planned, moved, blocked, skipped or cancelled (tinko.reasons); None on old rows.
    reason: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class TimelineEntry(Base):
    """What happened to a case, in order: planned, ran, blocked, messaged, closed."""

    __tablename__ = "recovery_timeline_entry"
    __table_args__ = (Index("ix_recovery_timeline_case", "org_id", "case_id", "at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("recovery_case.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]


class RecoveryLink(Base):
    """A signed link to the payer page for one case; only the token's digest is stored."""

    __tablename__ = "recovery_link"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("recovery_case.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    # The outbound message that carried this link to the customer; none for a link the
    # merchant took to send themselves (the payer page says where a link went only if we sent it).
    message_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    first_opened_at: Mapped[datetime | None]
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]


class SlotStat(Base):
    """A merchant's outcomes of retries at one learned-timing slot (recovery.timing)."""

    __tablename__ = "recovery_slot_stat"
    __table_args__ = (UniqueConstraint("org_id", "slot", name="uq_recovery_slot_stat"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    slot: Mapped[str] = mapped_column(String(80))  # "category/rail/d1h09" or "category/cal/dom15"
    successes: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
