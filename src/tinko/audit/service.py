"""Reading an org's chain back: the list, verification, checkpoints, the export, retention and
pruning. Services flush, never commit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tinko.audit import context
from tinko.audit.chain import PRUNE_FIELDS, ChainInput, Verdict, iso, verify
from tinko.audit.models import (
    DEFAULT_RETENTION_DAYS,
    EVENTS,
    HEADS,
    PRUNES,
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    AuditPrune,
)
from tinko.audit.signing import Signer
from tinko.audit.writer import (
    CHECKPOINT_INTERVAL,
    Setup,
    append,
    lock_head,
    record,
    setup_of,
    sign_checkpoint,
)
from tinko.errors import ServiceUnavailable

MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 30, 3650


def event_dict(row: AuditEvent | Row[Any]) -> dict[str, Any]:
    """An event as hashed, with its hash: what the API lists and the export holds."""
    return {
        "org_id": row.org_id,
        "seq": row.seq,
        "at": iso(row.at),
        "actor": {"kind": row.actor_kind, "id": row.actor_id},
        "action": row.action,
        "targets": row.targets,
        "changes": row.changes,
        "outcome": row.outcome,
        "request_id": row.request_id,
        "ip": row.ip,
        "user_agent": row.user_agent,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def checkpoint_dict(row: AuditCheckpoint) -> dict[str, Any]:
    return {
        "org_id": row.org_id,
        "seq": row.seq,
        "hash": row.hash,
        "at": iso(row.at),
        "key_id": row.key_id,
        "signature": row.signature,
    }


def prune_dict(row: AuditPrune) -> dict[str, Any]:
    return {
        "org_id": row.org_id,
        "through_seq": row.through_seq,
        "through_hash": row.through_hash,
        "at": iso(row.at),
        "key_id": row.key_id,
        "signature": row.signature,
    }


@dataclass(frozen=True)
class Filters:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(
    session: Session, org_id: str, filters: Filters, before_seq: int | None, limit: int
) -> list[AuditEvent]:
    """Newest first; one row more than `limit` to tell whether a next page exists."""
    query = select(AuditEvent).where(AuditEvent.org_id == org_id)
    if filters.actor:
        query = query.where(
            (AuditEvent.actor_id == filters.actor) | (AuditEvent.actor_kind == filters.actor)
        )
    if filters.action:
        if filters.action.endswith("*"):
            query = query.where(AuditEvent.action.startswith(filters.action[:-1]))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.target:
        query = query.where(AuditEvent.target_id == filters.target)
    if filters.since:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.at < filters.until)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return list(session.scalars(query.order_by(AuditEvent.seq.desc()).limit(limit + 1)))


def _events(session: Session, org_id: str) -> Iterator[dict[str, Any]]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.org_id == org_id)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=500)
    )
    for row in session.scalars(query):
        yield event_dict(row)


def checkpoints(
    session: Session, org_id: str, after_seq: int = 0, limit: int | None = None
) -> list[AuditCheckpoint]:
    query = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.org_id == org_id, AuditCheckpoint.seq > after_seq)
        .order_by(AuditCheckpoint.seq)
    )
    return list(session.scalars(query if limit is None else query.limit(limit + 1)))


def latest_prune(session: Session, org_id: str) -> AuditPrune | None:
    return session.scalars(
        select(AuditPrune)
        .where(AuditPrune.org_id == org_id)
        .order_by(AuditPrune.through_seq.desc())
        .limit(1)
    ).first()


def head(session: Session, org_id: str) -> AuditHead | None:
    return session.get(AuditHead, org_id)


def verify_org(session: Session, public_keys: dict[str, bytes], org_id: str) -> Verdict:
    """Check the org's whole chain, its checkpoints and its last prune record."""
    tip = head(session, org_id)
    prune = latest_prune(session, org_id)
    return verify(
        ChainInput(
            events=_events(session, org_id),
            public_keys=public_keys,
            checkpoints=[checkpoint_dict(c) for c in checkpoints(session, org_id)],
            prune=prune_dict(prune) if prune else None,
            head_seq=tip.seq if tip else None,
        )
    )


def export_lines(session: Session, signer: Signer, org_id: str) -> Iterator[str]:
    """JSON Lines: the signing key, the last prune record, every event, every checkpoint."""
    yield _line({"type": "key", **signer.describe()})
    prune = latest_prune(session, org_id)
    if prune is not None:
        yield _line({"type": "prune", **prune_dict(prune)})
    for event in _events(session, org_id):
        yield _line({"type": "event", **event})
    for checkpoint in checkpoints(session, org_id):
        yield _line({"type": "checkpoint", **checkpoint_dict(checkpoint)})


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "\n"


def set_retention(session: Session, org_id: str, days: int) -> int:
    connection = session.connection()
    before = lock_head(connection, org_id).retention_days
    connection.execute(update(HEADS).where(AuditHead.org_id == org_id).values(retention_days=days))
    changes = {"before": {"retention_days": before}, "after": {"retention_days": days}}
    record(session, org_id, "audit.retention_changed", targets=[("audit", org_id)], changes=changes)
    return days


def retention_days(session: Session, org_id: str) -> int:
    tip = head(session, org_id)
    return tip.retention_days if tip else DEFAULT_RETENTION_DAYS


def prune(session: Session, org_id: str) -> dict[str, Any] | None:
    """Delete the org's events older than its retention, through the one path the database
    trigger allows, and leave a signed record of what was removed (and an event saying so)."""
    setup = setup_of(session)
    if setup.signer is None:
        raise ServiceUnavailable("audit pruning needs the signing key")
    connection = session.connection()
    tip = lock_head(connection, org_id)
    now = setup.clock.now()
    cutoff = now - timedelta(days=tip.retention_days)
    last = connection.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.org_id == org_id, AuditEvent.at < cutoff)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    postgres = connection.dialect.name == "postgresql"
    if postgres:  # the trigger lets this transaction delete, and nothing else
        connection.execute(select(func.set_config("tinko.audit_prune", "on", True)))
    connection.execute(
        delete(EVENTS).where(AuditEvent.org_id == org_id, AuditEvent.seq <= last.seq)
    )
    if postgres:
        connection.execute(select(func.set_config("tinko.audit_prune", "off", True)))
    signed = {"org_id": org_id, "through_seq": last.seq, "through_hash": last.hash}
    signed.update(at=iso(now), key_id=setup.signer.key_id)
    signature = setup.signer.sign(signed, PRUNE_FIELDS)
    connection.execute(insert(PRUNES), {**signed, "at": now, "signature": signature})
    changes = {"through_seq": last.seq, "retention_days": tip.retention_days}
    append(
        connection,
        setup,
        org_id,
        "audit.pruned",
        targets=[("audit", org_id)],
        changes=changes,
        actor=context.SYSTEM,
    )
    return {**signed, "signature": signature}


def org_ids(session: Session) -> list[str]:
    return list(session.scalars(select(AuditHead.org_id)))


def checkpoint_if_due(session: Session, org_id: str) -> bool:
    """Sign a checkpoint for events written since the last one, once an hour has passed."""
    setup: Setup = setup_of(session)
    if setup.signer is None:
        return False
    connection = session.connection()
    tip = lock_head(connection, org_id)
    now = setup.clock.now()
    if tip.seq <= tip.checkpoint_seq:
        return False
    if tip.checkpoint_at is not None and now - tip.checkpoint_at < CHECKPOINT_INTERVAL:
        return False
    sign_checkpoint(connection, setup.signer, org_id, tip.seq, tip.hash, now)
    connection.execute(
        update(HEADS)
        .where(AuditHead.org_id == org_id)
        .values(checkpoint_seq=tip.seq, checkpoint_at=now)
    )
    return True
