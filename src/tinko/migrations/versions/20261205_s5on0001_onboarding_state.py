"""onboarding state: where each organisation is in its onboarding

Revision ID: s5on0001
Revises: h12a0mwh0002
Create Date: 2026-12-05 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tinko.db

revision: str = "s5on0001"
down_revision: str | None = "h12a0mwh0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_state",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("psp", sa.String(length=16), nullable=True),
        sa.Column("webhook_endpoint_id", sa.String(length=40), nullable=True),
        sa.Column("preset", sa.String(length=32), nullable=True),
        sa.Column("policy_id", sa.String(length=40), nullable=True),
        sa.Column("started_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("live_at", tinko.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_onboarding_state_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_state")),
    )
    with op.batch_alter_table("onboarding_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_state_org_id"), ["org_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("onboarding_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_state_org_id"))
    op.drop_table("onboarding_state")
