"""Appending to an org's chain: the only code that writes audit events.

Writes go through the session's own connection, so an event commits or rolls back with the
change it describes. The org's head row is locked first (SELECT … FOR UPDATE on PostgreSQL;
SQLite runs one writer at a time), so two writers in one org never fork the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from tinko.audit import context
from tinko.audit.chain import CHECKPOINT_FIELDS, GENESIS, event_hash, iso
from tinko.audit.models import (
    CHECKPOINTS,
    EVENTS,
    HEADS,
    AuditHead,
)
from tinko.audit.signing import Signer
from tinko.config import Settings
from tinko.kit.clock import Clock, SystemClock

SETUP = "tinko.audit"  # session.info key for the Setup below
CHECKPOINT_INTERVAL = timedelta(hours=1)
MASKED = "[masked]"


@dataclass(frozen=True)
class Setup:
    """What the writer needs from the application: its clock and the checkpoint signer."""

    clock: Clock
    signer: Signer | None = None
    checkpoint_every: int = 1000


def setup_of(session: Session) -> Setup:
    found = session.info.get(SETUP)
    return found if isinstance(found, Setup) else Setup(SystemClock())


Target = tuple[str, str | None]


def record(
    session: Session,
    org_id: str,
    action: str,
    *,
    targets: Iterable[Target] = (),
    changes: Mapping[str, Any] | None = None,
    outcome: str = "allowed",
    actor: context.Actor | None = None,
) -> int:
    """Append one event to the org's chain in the session's transaction; its sequence number."""
    return append(
        session.connection(),
        setup_of(session),
        org_id,
        action,
        targets=targets,
        changes=changes,
        outcome=outcome,
        actor=actor,
    )


def append(
    connection: Connection,
    setup: Setup,
    org_id: str,
    action: str,
    *,
    targets: Iterable[Target] = (),
    changes: Mapping[str, Any] | None = None,
    outcome: str = "allowed",
    actor: context.Actor | None = None,
) -> int:
    ctx = context.current()
    who = actor or ctx.actor
    head = lock_head(connection, org_id)
    now = setup.clock.now()
    target_list = [{"kind": kind, "id": target_id} for kind, target_id in targets]
    event: dict[str, Any] = {
        "org_id": org_id,
        "seq": head.seq + 1,
        "at": iso(now),
        "actor": {"kind": who.kind, "id": who.id},
        "action": action,
        "targets": target_list,
        "changes": plain(changes) if changes is not None else None,
        "outcome": outcome,
        "request_id": ctx.request_id,
        "ip": ctx.ip,
        "user_agent": ctx.user_agent,
        "prev_hash": head.hash,
    }
    event["hash"] = event_hash(event)
    first = target_list[0] if target_list else {"kind": None, "id": None}
    connection.execute(
        insert(EVENTS),
        {
            **{k: event[k] for k in ("org_id", "seq", "action", "targets", "changes", "outcome")},
            **{k: event[k] for k in ("request_id", "ip", "user_agent", "prev_hash", "hash")},
            "at": now,
            "actor_kind": who.kind,
            "actor_id": who.id,
            "target_kind": first["kind"],
            "target_id": first["id"],
        },
    )
    moved: dict[str, Any] = {"seq": event["seq"], "hash": event["hash"]}
    due = head.checkpoint_at is None or now - head.checkpoint_at >= CHECKPOINT_INTERVAL
    if setup.signer is not None and (
        due or event["seq"] - head.checkpoint_seq >= setup.checkpoint_every
    ):
        sign_checkpoint(connection, setup.signer, org_id, event["seq"], event["hash"], now)
        moved.update(checkpoint_seq=event["seq"], checkpoint_at=now)
    connection.execute(update(HEADS).where(AuditHead.org_id == org_id).values(**moved))
    return int(event["seq"])


def lock_head(connection: Connection, org_id: str) -> Any:
    """The org's head row, created on first use and locked until the transaction ends."""
    table = HEADS
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(table)
        .values(org_id=org_id, seq=0, hash=GENESIS, retention_days=365, checkpoint_seq=0)
        .on_conflict_do_nothing(index_elements=["org_id"])
    )
    return connection.execute(select(table).where(table.c.org_id == org_id).with_for_update()).one()


def sign_checkpoint(
    connection: Connection, signer: Signer, org_id: str, seq: int, head_hash: str, now: datetime
) -> dict[str, Any]:
    record_ = {
        "org_id": org_id,
        "seq": seq,
        "hash": head_hash,
        "at": iso(now),
        "key_id": signer.key_id,
    }
    signature = signer.sign(record_, CHECKPOINT_FIELDS)
    connection.execute(
        insert(CHECKPOINTS),
        {**record_, "at": now, "signature": signature},
    )
    return {**record_, "signature": signature}


def plain(value: Any) -> Any:
    """A JSON value for anything a column holds (times as ISO strings)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def install(factory: sessionmaker[Session], settings: Settings, clock: Clock) -> Signer:
    """Give every session of `factory` the clock and the checkpoint signer; the signer."""
    signer = Signer(settings.secret_key, settings.audit_signing_key)
    info = factory.kw.setdefault("info", {})
    info[SETUP] = Setup(clock, signer, settings.audit_checkpoint_every)
    return signer
