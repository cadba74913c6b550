"""payment transaction card_issuer: the card's issuing bank, when the PSP or merchant says;
indexes for the last hours of an organisation's events and retries

Revision ID: s10is0001
Revises: s6pd0001
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s10is0001"
down_revision: str | None = "s6pd0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_transaction") as batch:
        batch.add_column(sa.Column("card_issuer", sa.String(100), nullable=True))
    # The last hours of an organisation's events and retries (recovery.issuer_health).
    op.create_index("ix_payment_event_org_time", "payment_event", ["org_id", "occurred_at"])
    op.create_index("ix_recovery_attempt_org_started", "recovery_attempt", ["org_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_recovery_attempt_org_started", table_name="recovery_attempt")
    op.drop_index("ix_payment_event_org_time", table_name="payment_event")
    with op.batch_alter_table("payment_transaction") as batch:
        batch.drop_column("card_issuer")
