"""audit log: events, per-org head, signed checkpoints and prune records; append-only on PG

Revision ID: h12a0audit01
Revises: h5a1ec0de010
Create Date: 2026-12-05 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tinko.db

revision: str = "h12a0audit01"
down_revision: str | None = "h12e00000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Refuses UPDATE and DELETE on the audit tables; only the pruning path may delete events, by
# setting tinko.audit_prune for its own transaction (set_config(..., true)). TRUNCATE is a
# table owner's act and is left to the database's privileges.
_FUNCTION = """
CREATE OR REPLACE FUNCTION tinko_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_event'
       AND current_setting('tinko.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
_TABLES = ("audit_event", "audit_checkpoint", "audit_prune")


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("checkpoint_seq", sa.Integer(), nullable=False),
        sa.Column("checkpoint_at", tinko.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_event",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", tinko.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target_kind", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.String(length=80), nullable=True),
        sa.Column(
            "targets",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "seq", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_org_at", "audit_event", ["org_id", "at"])
    op.create_index("ix_audit_event_org_action", "audit_event", ["org_id", "action"])
    op.create_index("ix_audit_event_org_target", "audit_event", ["org_id", "target_id"])
    for table, key in (("audit_checkpoint", "seq"), ("audit_prune", "through_seq")):
        op.create_table(
            table,
            sa.Column("org_id", sa.String(length=40), nullable=False),
            sa.Column(key, sa.Integer(), autoincrement=False, nullable=False),
            sa.Column(
                "hash" if key == "seq" else "through_hash", sa.String(length=64), nullable=False
            ),
            sa.Column("at", tinko.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("key_id", sa.String(length=16), nullable=False),
            sa.Column("signature", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("org_id", key, name=op.f(f"pk_{table}")),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tinko_audit_append_only()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS tinko_audit_append_only()")
    for table in ("audit_prune", "audit_checkpoint"):
        op.drop_table(table)
    op.drop_index("ix_audit_event_org_target", table_name="audit_event")
    op.drop_index("ix_audit_event_org_action", table_name="audit_event")
    op.drop_index("ix_audit_event_org_at", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("audit_head")
