"""attempt psp reference

Revision ID: e8e1c0de0008
Revises: d7e1c0de0007
Create Date: 2026-11-22 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8e1c0de0008"
down_revision: str | None = "d7e1c0de0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recovery_attempt") as batch_op:
        batch_op.add_column(sa.Column("psp_reference", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recovery_attempt") as batch_op:
        batch_op.drop_column("psp_reference")
