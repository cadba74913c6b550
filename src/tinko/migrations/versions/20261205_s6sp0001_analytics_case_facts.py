"""analytics: one fact row per case (decision 0016)

Revision ID: s6sp0001
Revises: s5bo0001
Create Date: 2026-12-05 15:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tinko.db import UTCDateTime

revision: str = "s6sp0001"
down_revision: str | None = "s5bo0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_case_facts",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("transaction_ref", sa.String(length=200), nullable=False),
        sa.Column("failed_at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("rail", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("decline_type", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=16), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("holdout", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("lost_reason", sa.String(length=16), nullable=True),
        sa.Column("recovered_by", sa.String(length=16), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("window_end", UTCDateTime(), nullable=True),
        sa.Column("recovered_in_window", sa.Integer(), nullable=False),
        sa.Column("hours_to_recover", sa.BigInteger(), nullable=True),
        sa.Column("days_to_recover", sa.BigInteger(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("retry_succeeded", sa.Integer(), nullable=False),
        sa.Column("email_sent", sa.Integer(), nullable=False),
        sa.Column("sms_sent", sa.Integer(), nullable=False),
        sa.Column("whatsapp_sent", sa.Integer(), nullable=False),
        sa.Column("link_channel", sa.String(length=16), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name="fk_analytics_case_facts_org_id_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "case_id", name="pk_analytics_case_facts"),
    )
    op.create_index("ix_analytics_case_facts_org_id", "analytics_case_facts", ["org_id"])
    op.create_index("ix_analytics_case_facts_day", "analytics_case_facts", ["org_id", "day"])
    op.create_index(
        "ix_analytics_case_facts_window_end", "analytics_case_facts", ["org_id", "window_end"]
    )
    # Every case is written again by the next refresh: rebuild from scratch.
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_index("ix_analytics_case_facts_window_end", table_name="analytics_case_facts")
    op.drop_index("ix_analytics_case_facts_day", table_name="analytics_case_facts")
    op.drop_index("ix_analytics_case_facts_org_id", table_name="analytics_case_facts")
    op.drop_table("analytics_case_facts")
