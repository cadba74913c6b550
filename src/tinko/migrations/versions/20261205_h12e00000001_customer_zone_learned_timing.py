"""customer time zone, learned retry timing (slot stats, policy flag, attempt slot)

Revision ID: h12e00000001
Revises: h12reason0001
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h12e00000001"
down_revision: str | None = "h12p0call0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_transaction") as batch:
        batch.add_column(sa.Column("customer_timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("retry_policy") as batch:
        batch.add_column(
            sa.Column("learned_timing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("recovery_attempt") as batch:
        batch.add_column(sa.Column("timing_slot", sa.String(length=80), nullable=True))
    op.create_table(
        "recovery_slot_stat",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column(
            "org_id",
            sa.String(length=40),
            sa.ForeignKey("organization.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slot", sa.String(length=80), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "slot", name="uq_recovery_slot_stat"),
    )
    op.create_index("ix_recovery_slot_stat_org_id", "recovery_slot_stat", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_recovery_slot_stat_org_id", table_name="recovery_slot_stat")
    op.drop_table("recovery_slot_stat")
    with op.batch_alter_table("recovery_attempt") as batch:
        batch.drop_column("timing_slot")
    with op.batch_alter_table("retry_policy") as batch:
        batch.drop_column("learned_timing")
    with op.batch_alter_table("payment_transaction") as batch:
        batch.drop_column("customer_timezone")
