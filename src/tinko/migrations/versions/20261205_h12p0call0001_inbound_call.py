"""inbound call log: API-key calls and PSP webhooks, for the console's developer page

Revision ID: h12p0call0001
Revises: h12c0501c001, h12reason0001
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tinko.db

revision: str = "h12p0call0001"
# Merges the console shell's and the reasons' heads (both merged into this branch); the lead
# re-chains at merge time.
down_revision: str | None = "h12reason0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_call",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("endpoint_id", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("delivery_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_inbound_call_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_call")),
    )
    with op.batch_alter_table("inbound_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_call_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_call_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_inbound_call_org_at", ["org_id", "kind", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_call", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_call_org_at")
        batch_op.drop_index(batch_op.f("ix_inbound_call_org_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_call_at"))
    op.drop_table("inbound_call")
