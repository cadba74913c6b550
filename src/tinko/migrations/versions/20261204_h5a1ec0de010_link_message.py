"""recovery link: the message that carried it

Revision ID: h5a1ec0de010
Revises: a1a7c5e0010
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h5a1ec0de010"
down_revision: str | None = "a1a7c5e0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recovery_link") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recovery_link") as batch:
        batch.drop_column("message_id")
