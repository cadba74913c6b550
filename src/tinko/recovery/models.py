from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tinko.db import Base

OPEN_STATUSES = ("pending", "scheduled", "in_progress")
CLOSED_STATUSES = ("recovered", "exhausted", "cancelled", "expired")


class RecoveryCase(Base):
    """The work to recover one failed transaction; at most one open case per transaction."""

    __tablename__ = "recovery_case"
    __table_args__ = (
        Index("ix_recovery_case_transaction", "org_id", "transaction_id"),
        Index("ix_recovery_case_status", "org_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("payment_transaction.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    decline_type: Mapped[str] = mapped_column(String(8))
    classification: Mapped[dict[str, Any]]
    failure_count: Mapped[int] = mapped_column(Integer, default=1)
    rule_version: Mapped[int | None]
    next_action_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(200))
