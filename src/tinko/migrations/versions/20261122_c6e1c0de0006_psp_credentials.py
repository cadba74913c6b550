"""psp credentials, hosted checkouts, sandbox webhook outbox

Revision ID: c6e1c0de0006
Revises: b5e1c0de0005
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tinko.db

revision: str = "c6e1c0de0006"
down_revision: str | None = "b5e1c0de0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "psp_credential",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("psp", sa.String(length=16), nullable=False),
        sa.Column("fields_ciphertext", sa.Text(), nullable=False),
        sa.Column(
            "hints",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("verified_at", tinko.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verify_ok", sa.Boolean(), nullable=True),
        sa.Column("verify_detail", sa.String(length=300), nullable=True),
        sa.Column("created_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_psp_credential_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psp_credential")),
        sa.UniqueConstraint("org_id", "psp", name=op.f("uq_psp_credential_org_id_psp")),
    )
    with op.batch_alter_table("psp_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_psp_credential_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sandbox_event",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", tinko.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_sandbox_event_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_event")),
    )
    with op.batch_alter_table("sandbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_sandbox_event_due", ["status", "next_try_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sandbox_event_org_id"), ["org_id"], unique=False)

    op.create_table(
        "psp_checkout",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("link_id", sa.String(length=40), nullable=False),
        sa.Column("psp", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", tinko.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["recovery_case.id"],
            name=op.f("fk_psp_checkout_case_id_recovery_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_psp_checkout_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psp_checkout")),
        sa.UniqueConstraint(
            "org_id", "psp", "external_id", name=op.f("uq_psp_checkout_org_id_psp_external_id")
        ),
    )
    with op.batch_alter_table("psp_checkout", schema=None) as batch_op:
        batch_op.create_index("ix_psp_checkout_link", ["org_id", "link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_psp_checkout_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("psp_checkout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_psp_checkout_org_id"))
        batch_op.drop_index("ix_psp_checkout_link")

    op.drop_table("psp_checkout")
    with op.batch_alter_table("sandbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_event_org_id"))
        batch_op.drop_index("ix_sandbox_event_due")

    op.drop_table("sandbox_event")
    with op.batch_alter_table("psp_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_psp_credential_org_id"))

    op.drop_table("psp_credential")
