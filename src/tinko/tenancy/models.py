from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_currency: Mapped[str] = mapped_column(String(3), default="USD")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    link_ttl_hours: Mapped[int] = mapped_column(Integer, default=48, server_default="48")
    # Share of customers (0-50 %) kept out of recovery to measure its uplift.
    holdout_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Message settings (tinko.tenancy.prefs): quiet hours as local hours, the most messages to
    # one customer in 24 hours, and whether to follow the customer's clock or the merchant's.
    quiet_start_hour: Mapped[int] = mapped_column(Integer, default=21, server_default="21")
    quiet_end_hour: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    frequency_cap: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    use_customer_timezone: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(Organization, "organization", org_attr="id")
