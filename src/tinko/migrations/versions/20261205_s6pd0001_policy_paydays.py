"""retry policy paydays: a list of days of the month, "auto", or null (the built-in default's)

Revision ID: s6pd0001
Revises: s5bo0001
Create Date: 2026-12-05 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "s6pd0001"
down_revision: str | None = "s6sp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("retry_policy") as batch:
        batch.add_column(
            sa.Column(
                "paydays",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("retry_policy") as batch:
        batch.drop_column("paydays")
