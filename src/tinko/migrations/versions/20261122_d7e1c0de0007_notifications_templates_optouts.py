"""notifications templates optouts

Revision ID: d7e1c0de0007
Revises: c6e1c0de0006
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tinko.db

revision: str = "d7e1c0de0007"
down_revision: str | None = "c6e1c0de0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_template",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", tinko.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_message_template_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template")),
    )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_template_key", ["org_id", "channel", "locale", "kind"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_message_template_org_id"), ["org_id"], unique=False)

    op.create_table(
        "notification_opt_out",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient_digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("created_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_notification_opt_out_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_opt_out")),
        sa.UniqueConstraint(
            "org_id",
            "channel",
            "recipient_digest",
            name=op.f("uq_notification_opt_out_org_id_channel_recipient_digest"),
        ),
    )
    with op.batch_alter_table("notification_opt_out", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_opt_out_org_id"), ["org_id"], unique=False
        )

    op.create_table(
        "message_template_version",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("provider_template_id", sa.String(length=64), nullable=True),
        sa.Column(
            "provider_variables",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_message_template_version_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["message_template.id"],
            name=op.f("fk_message_template_version_template_id_message_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template_version")),
        sa.UniqueConstraint(
            "template_id", "version", name=op.f("uq_message_template_version_template_id_version")
        ),
    )
    with op.batch_alter_table("message_template_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_template_version_org_id"), ["org_id"], unique=False
        )

    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("customer_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("template_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("template_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unsubscribe_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("provider_template_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "provider_variables",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("provider_message_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("tries", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("not_before", tinko.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_at", tinko.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("error", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("updated_at", tinko.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_outbound_message_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_outbound_message_customer", ["org_id", "customer_key", "created_at"], unique=False
        )
        batch_op.create_index("ix_outbound_message_due", ["status", "not_before"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_message_due")
        batch_op.drop_index("ix_outbound_message_customer")
        batch_op.drop_index(batch_op.f("ix_outbound_message_case_id"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("error")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("not_before")
        batch_op.drop_column("tries")
        batch_op.drop_column("provider_message_id")
        batch_op.drop_column("provider_variables")
        batch_op.drop_column("provider_template_id")
        batch_op.drop_column("unsubscribe_url")
        batch_op.drop_column("template_version")
        batch_op.drop_column("template_id")
        batch_op.drop_column("locale")
        batch_op.drop_column("customer_key")
        batch_op.drop_column("case_id")

    with op.batch_alter_table("message_template_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_template_version_org_id"))

    op.drop_table("message_template_version")
    with op.batch_alter_table("notification_opt_out", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_opt_out_org_id"))

    op.drop_table("notification_opt_out")
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_template_org_id"))
        batch_op.drop_index("ix_message_template_key")

    op.drop_table("message_template")
