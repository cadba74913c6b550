"""console: a person's language and the dashboard's auto-refresh, remembered per user

Revision ID: h12c0501c001
Revises: h5a1ec0de010
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h12c0501c001"
down_revision: str | None = "h12s0rollup01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("console_refresh", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("console_refresh")
        batch.drop_column("language")
