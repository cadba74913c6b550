"""analytics: daily rollup, its watermark per org, cases by change time

Revision ID: h12s0rollup01
Revises: h5a1ec0de010
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tinko.db import UTCDateTime

revision: str = "h12s0rollup01"
down_revision: str | None = "h5a1ec0de010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("rail", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=True),
        sa.Column("holdout", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("recovered_by", sa.String(length=16), nullable=True),
        sa.Column("windowless", sa.Integer(), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("window_end_min", UTCDateTime(), nullable=True),
        sa.Column("window_end_max", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name="fk_analytics_daily_org_id_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_daily"),
    )
    op.create_index("ix_analytics_daily_day", "analytics_daily", ["org_id", "day"])
    op.create_table(
        "analytics_rollup_state",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("watermark", UTCDateTime(), nullable=False),
        sa.Column("refreshed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name="fk_analytics_rollup_state_org_id_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name="pk_analytics_rollup_state"),
    )
    op.create_index("ix_analytics_rollup_state_org_id", "analytics_rollup_state", ["org_id"])
    op.create_index("ix_recovery_case_updated", "recovery_case", ["org_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_recovery_case_updated", table_name="recovery_case")
    op.drop_index("ix_analytics_rollup_state_org_id", table_name="analytics_rollup_state")
    op.drop_table("analytics_rollup_state")
    op.drop_index("ix_analytics_daily_day", table_name="analytics_daily")
    op.drop_table("analytics_daily")
