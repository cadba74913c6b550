"""The daily rollup of the case rows: counts and amounts per organisation, cohort day and
segment, so a 90-day summary reads a few thousand rows instead of every case.

A rollup row is a cache of `queries.case_rows` grouped by the columns below; `rollup.refresh`
rewrites whole days of it, and `rollup.grouped` reads it only where it is known to hold exactly
what the cases hold (docs/analytics.md, "Rollups").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tinko.db import Base

# A 64-bit key on PostgreSQL (rows are rewritten every refresh); SQLite's rowid alias.
_ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


class AnalyticsDaily(Base):
    """The cases of one cohort day (the org's local day of first failure) and one segment."""

    __tablename__ = "analytics_daily"
    __table_args__ = (Index("ix_analytics_daily_day", "org_id", "day"),)

    id: Mapped[int] = mapped_column(_ROW_ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    day: Mapped[int] = mapped_column(Integer)  # days since 1970-01-01, local to the org
    currency: Mapped[str] = mapped_column(String(3))
    gateway: Mapped[str] = mapped_column(String(32))
    rail: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    policy_id: Mapped[str] = mapped_column(String(40))  # "default" for the built-in policies
    rule_id: Mapped[str | None] = mapped_column(String(40))
    holdout: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    recovered_by: Mapped[str | None] = mapped_column(String(16))
    # 1: the cases have no window yet (not planned): provisional whatever the time.
    windowless: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    # The earliest and latest window end of the cases: provisional is "window end > now",
    # all or none of them unless now falls between the two.
    window_end_min: Mapped[datetime | None]
    window_end_max: Mapped[datetime | None]


class AnalyticsRollupState(Base):
    """How far an organisation's rollup is true: every case changed before `watermark` is in
    it; the days of cases changed since are read from the cases."""

    __tablename__ = "analytics_rollup_state"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True
    )  # the index: every org-owned table has one on org_id (tests/test_migrations.py)
    timezone: Mapped[str] = mapped_column(String(64))  # the days are local to this zone
    watermark: Mapped[datetime]
    refreshed_at: Mapped[datetime]


class AnalyticsCaseFact(Base):
    """One case as `queries.case_rows(detail=True)` reads it, minus what depends on the instant
    (provisional, window_closed, hours_observed: worked out from `window_end` at read time).
    Kept by `facts.refresh` for the cases changed since the org's watermark (decision 0016)."""

    __tablename__ = "analytics_case_facts"
    __table_args__ = (
        Index("ix_analytics_case_facts_day", "org_id", "day"),
        Index("ix_analytics_case_facts_window_end", "org_id", "window_end"),
    )

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    transaction_ref: Mapped[str] = mapped_column(String(200))
    failed_at: Mapped[datetime]
    day: Mapped[int] = mapped_column(Integer)  # days since 1970-01-01, local to the org
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    gateway: Mapped[str] = mapped_column(String(32))
    rail: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(32))
    decline_type: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(16))
    policy_id: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[str | None] = mapped_column(String(40))
    rule_version: Mapped[int | None]
    holdout: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    lost_reason: Mapped[str | None] = mapped_column(String(16))
    recovered_by: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    recovered_in_window: Mapped[int] = mapped_column(Integer)
    hours_to_recover: Mapped[int | None] = mapped_column(BigInteger)
    days_to_recover: Mapped[int | None] = mapped_column(BigInteger)
    retries: Mapped[int] = mapped_column(Integer)
    retry_succeeded: Mapped[int] = mapped_column(Integer)
    email_sent: Mapped[int] = mapped_column(Integer)
    sms_sent: Mapped[int] = mapped_column(Integer)
    whatsapp_sent: Mapped[int] = mapped_column(Integer)
    link_channel: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime]  # the case's, when its fact row was written
