"""one PSP charge in flight per case; a cancel that waits for it

Revision ID: a1c4a26e0010
Revises: a1e2d9e00010
Create Date: 2026-12-04 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tinko.db import UTCDateTime

revision: str = "a1c4a26e0010"
down_revision: str | None = "a1e2d9e00010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FLIGHT = "kind = 'psp_retry' AND started_at IS NOT NULL AND finished_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("recovery_case") as batch:
        batch.add_column(
            sa.Column("cancel_requested_at", UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "uq_recovery_attempt_charge_in_flight",
        "recovery_attempt",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text(IN_FLIGHT),
        postgresql_where=sa.text(IN_FLIGHT),
    )


def downgrade() -> None:
    op.drop_index("uq_recovery_attempt_charge_in_flight", table_name="recovery_attempt")
    with op.batch_alter_table("recovery_case") as batch:
        batch.drop_column("cancel_requested_at")
