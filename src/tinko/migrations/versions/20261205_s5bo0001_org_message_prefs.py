"""org message prefs: quiet hours, frequency cap and customer time zone per organisation

Revision ID: s5bo0001
Revises: s5on0001
Create Date: 2026-12-05 12:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s5bo0001"
down_revision: str | None = "s5on0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Defaults are the former constants, so existing organisations behave as before.
    with op.batch_alter_table("organization") as batch:
        batch.add_column(
            sa.Column("quiet_start_hour", sa.Integer(), server_default="21", nullable=False)
        )
        batch.add_column(
            sa.Column("quiet_end_hour", sa.Integer(), server_default="8", nullable=False)
        )
        batch.add_column(
            sa.Column("frequency_cap", sa.Integer(), server_default="3", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "use_customer_timezone", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("use_customer_timezone")
        batch.drop_column("frequency_cap")
        batch.drop_column("quiet_end_hour")
        batch.drop_column("quiet_start_hour")
