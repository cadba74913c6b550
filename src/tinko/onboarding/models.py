from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base


class OnboardingState(Base):
    """Where an organisation is in its onboarding, so that the wizard resumes where it was
    left: one row per organisation, written by onboarding.service only."""

    __tablename__ = "onboarding_state"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True, unique=True
    )
    step: Mapped[str] = mapped_column(String(16))  # org | psp | policy | preview | live
    psp: Mapped[str | None] = mapped_column(String(16))  # stripe | razorpay | sandbox
    webhook_endpoint_id: Mapped[str | None] = mapped_column(String(40))
    preset: Mapped[str | None] = mapped_column(String(32))
    policy_id: Mapped[str | None] = mapped_column(String(40))  # the preset's policy, if any
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    live_at: Mapped[datetime | None]


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(OnboardingState, "onboarding_state")
