"""analytics: case first failure, policy id, holdout, recovered by; org holdout percent

Revision ID: a1a7c5e0010
Revises: a1c4a26e0010
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tinko.db import UTCDateTime

revision: str = "a1a7c5e0010"
down_revision: str | None = "a1c4a26e0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# How a recovered case was paid, read back from the reason close_case wrote.
_RECOVERED_BY = """
UPDATE recovery_case SET recovered_by = CASE
    WHEN closed_reason LIKE 'payment succeeded (retry)%' THEN 'psp_retry'
    WHEN closed_reason LIKE 'payment succeeded (payer_page)%' THEN 'payer_link'
    ELSE 'outside' END
WHERE status = 'recovered'
"""


def upgrade() -> None:
    with op.batch_alter_table("recovery_case") as batch:
        batch.add_column(sa.Column("policy_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("failed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("holdout", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("recovered_by", sa.String(length=16), nullable=True))
    op.execute("UPDATE recovery_case SET failed_at = created_at")
    op.execute(_RECOVERED_BY)
    op.create_index("ix_recovery_case_failed", "recovery_case", ["org_id", "failed_at"])
    with op.batch_alter_table("organization") as batch:
        batch.add_column(
            sa.Column("holdout_percent", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("holdout_percent")
    op.drop_index("ix_recovery_case_failed", table_name="recovery_case")
    with op.batch_alter_table("recovery_case") as batch:
        batch.drop_column("recovered_by")
        batch.drop_column("holdout")
        batch.drop_column("failed_at")
        batch.drop_column("policy_id")
