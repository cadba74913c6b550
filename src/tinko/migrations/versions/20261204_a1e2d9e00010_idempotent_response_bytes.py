"""idempotency records keep the response bytes as sent

Revision ID: a1e2d9e00010
Revises: f9e1c0de0009
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a1e2d9e00010"
down_revision: str | None = "f9e1c0de0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # JSONB stores its own key order; a replay must send the first response's bytes.
    with op.batch_alter_table("idempotency_record") as batch:
        batch.alter_column(
            "response_body",
            existing_type=_JSON,
            type_=sa.Text(),
            existing_nullable=True,
            postgresql_using="response_body::text",
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_record") as batch:
        batch.alter_column(
            "response_body",
            existing_type=sa.Text(),
            type_=_JSON,
            existing_nullable=True,
            postgresql_using="response_body::jsonb",
        )
