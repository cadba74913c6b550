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
