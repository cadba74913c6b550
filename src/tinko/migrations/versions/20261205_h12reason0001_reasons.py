"""reasons: why each attempt and message is what it is; policy versions

Revision ID: h12reason0001
Revises: h5a1ec0de010
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "h12reason0001"
down_revision: str | None = "h12c0501c001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Older rows keep a null reason: the API shows it as null, the console shows nothing.
    for table in ("recovery_attempt", "recovery_case", "outbound_message"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("reason", _JSON, nullable=True))
    with op.batch_alter_table("retry_policy") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("retry_policy") as batch:
        batch.drop_column("version")
    for table in ("outbound_message", "recovery_case", "recovery_attempt"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reason")
