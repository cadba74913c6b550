"""Every change to a watched table becomes an audit event, with its before and after.

Domains register their configuration tables here (`watch(RetryPolicy, "retry_policy")`), and a
flush hook records each insert, update and delete made through the ORM, whoever made it: an
API route, the console, a CLI command. Secret columns are masked, bookkeeping columns ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from tinko.audit.writer import MASKED, plain, record

# Bookkeeping that changes with every save and says nothing about what changed.
_ALWAYS_IGNORED = frozenset({"updated_at"})


@dataclass(frozen=True)
class Watched:
    kind: str
    masked: frozenset[str]
    ignored: frozenset[str]
    org_attr: str


_WATCHED: dict[type, Watched] = {}


def watch(
    entity: type,
    kind: str,
    *,
    masked: tuple[str, ...] = (),
    ignored: tuple[str, ...] = (),
    org_attr: str = "org_id",
) -> None:
    _WATCHED[entity] = Watched(kind, frozenset(masked), _ALWAYS_IGNORED | set(ignored), org_attr)


def _value(spec: Watched, key: str, value: Any) -> Any:
    if key in spec.masked and value is not None:
        return MASKED
    return plain(value)


def _snapshot(spec: Watched, obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: _value(spec, attr.key, getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in spec.ignored and attr.key in state.dict
    }


def _diff(spec: Watched, obj: Any) -> dict[str, Any] | None:
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        if attr.key in spec.ignored:
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attr.key] = _value(spec, attr.key, old)
        after[attr.key] = _value(spec, attr.key, new)
    return {"before": before, "after": after} if after or before else None


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if not _WATCHED:
        return
    found: list[tuple[Watched, Any, str, dict[str, Any]]] = []
    for obj in session.new:
        spec = _WATCHED.get(type(obj))
        if spec is not None:
            found.append((spec, obj, "created", {"before": None, "after": _snapshot(spec, obj)}))
    for obj in session.dirty:
        spec = _WATCHED.get(type(obj))
        if spec is not None and session.is_modified(obj):
            changes = _diff(spec, obj)
            if changes is not None:
                found.append((spec, obj, "updated", changes))
    for obj in session.deleted:
        spec = _WATCHED.get(type(obj))
        if spec is not None:
            found.append((spec, obj, "deleted", {"before": _snapshot(spec, obj), "after": None}))
    for spec, obj, verb, changes in found:
        org_id = getattr(obj, spec.org_attr)
        record(
            session, org_id, f"{spec.kind}.{verb}", targets=[(spec.kind, obj.id)], changes=changes
        )
