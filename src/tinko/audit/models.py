"""Audit rows. Events and signed records are only ever inserted (on PostgreSQL a trigger
refuses UPDATE and DELETE, save the pruning path); the per-org head row is the writers' lock
and holds the chain's tip, the retention period and when the last checkpoint was signed.

No foreign key to the organisation: an org's first event is written before its row (in the
same flush), and no cascade may ever delete audit rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from tinko.db import Base, PortableJSON

DEFAULT_RETENTION_DAYS = 365


class AuditHead(Base):
    __tablename__ = "audit_head"
    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    retention_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_RETENTION_DAYS)
    checkpoint_seq: Mapped[int] = mapped_column(Integer, default=0)
    checkpoint_at: Mapped[datetime | None]


class AuditEvent(Base):
    __tablename__ = "audit_event"
    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))  # user | api_key | system | anonymous
    actor_id: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    target_kind: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(80))
    targets: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    changes: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    outcome: Mapped[str] = mapped_column(String(16))  # allowed | denied
    request_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_event_org_at", "org_id", "at"),
        Index("ix_audit_event_org_action", "org_id", "action"),
        Index("ix_audit_event_org_target", "org_id", "target_id"),
    )


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoint"
    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(Text)


class AuditPrune(Base):
    __tablename__ = "audit_prune"
    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    through_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    through_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(Text)


# The tables, for the Core statements the writer and pruning run on the session's connection.
EVENTS = cast(Table, AuditEvent.__table__)
HEADS = cast(Table, AuditHead.__table__)
CHECKPOINTS = cast(Table, AuditCheckpoint.__table__)
PRUNES = cast(Table, AuditPrune.__table__)
