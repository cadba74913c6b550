"""transaction payment method index

Revision ID: f9e1c0de0009
Revises: e8e1c0de0008
Create Date: 2026-11-22 07:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f9e1c0de0009"
down_revision: str | None = "e8e1c0de0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_transaction_method", "payment_transaction", ["org_id", "payment_method_ref"]
    )


def downgrade() -> None:
    op.drop_index("ix_transaction_method", table_name="payment_transaction")
