from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base, PortableJSON


class RetryPolicy(Base):
    """A merchant's retry policy (docs/api.md "The endpoint groups", `/v1/retry-policies`).

    At most one active policy covers any decline category: saving one active deactivates the
    org's other active policies whose categories overlap (an empty list means every category).
    """

    __tablename__ = "retry_policy"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    strategy: Mapped[str] = mapped_column(String(16))  # backoff | payday
    max_attempts: Mapped[int] = mapped_column(Integer)
    initial_delay_minutes: Mapped[int] = mapped_column(Integer)
    backoff_multiplier: Mapped[float] = mapped_column(Float)
    max_delay_minutes: Mapped[int] = mapped_column(Integer)
    channels: Mapped[list[str]] = mapped_column(PortableJSON)
    # As rendered by window_spec_to_dict after validation: {timezone, preset?, allowed}.
    windows: Mapped[dict[str, Any]]
    window_days: Mapped[int] = mapped_column(Integer)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", local to windows
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    categories: Mapped[list[str]] = mapped_column(PortableJSON)  # empty: every category
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retry timing that learns from this org's own outcomes (recovery.timing); off by default.
    learned_timing: Mapped[bool] = mapped_column(Boolean, default=False)
    # Days of the month (-1 the last), "auto" (the customer's pay calendar), or None: the
    # category's built-in default (policies.paydays, decision 0017).
    paydays: Mapped[list[int] | str | None] = mapped_column(PortableJSON, nullable=True)
    # 1 when created, +1 on every save: a plan's reason names the version it followed.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(RetryPolicy, "retry_policy")
