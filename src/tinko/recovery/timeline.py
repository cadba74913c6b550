"""A case's timeline: what happened to it, in order. Entries are written once, never edited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_row
from tinko.recovery.models import RecoveryCase, TimelineEntry


def log(
    session: Session, clock: Clock, case: RecoveryCase, entry_kind: str, /, **detail: Any
) -> None:
    """Append to the case's timeline."""
    insert_row(
        session,
        TimelineEntry,
        {
            "id": new_id("tle"),
            "org_id": case.org_id,
            "case_id": case.id,
            "at": clock.now(),
            "kind": entry_kind,
            "detail": {k: v for k, v in detail.items() if v is not None},
        },
    )
