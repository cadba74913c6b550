"""A merchant's learned-timing outcomes per retry slot (``recovery.timing``), org-scoped.

Services flush, never commit: the retry's unit of work commits the count with its result.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_if_absent
from tinko.recovery.models import SlotStat
from tinko.recovery.timing import CALENDAR, Timing, outcome_keys
from tinko.recovery.timing import SlotStat as Stat


def timing_for(session: Session, org_id: str, scope: str, rng: random.Random) -> Timing:
    """The org's stats of every slot of ``scope`` ("category/rail") and of the category's
    calendar cells ("category/cal/dom25", shared by its rails)."""
    calendar = f"{scope.split('/', 1)[0]}/{CALENDAR}/"
    rows = session.scalars(
        select(SlotStat).where(
            SlotStat.org_id == org_id,
            or_(SlotStat.slot.startswith(f"{scope}/"), SlotStat.slot.startswith(calendar)),
        )
    ).all()
    stats = {r.slot.rsplit("/", 1)[-1]: Stat(r.successes, r.failures) for r in rows}
    return Timing(scope, stats, rng)


def record(session: Session, org_id: str, slot: str, *, succeeded: bool, now: datetime) -> None:
    """One more outcome for the slot and its calendar cells (``timing.outcome_keys``)."""
    for key in outcome_keys(slot):
        _count(session, org_id, key, succeeded=succeeded, now=now)


def _count(session: Session, org_id: str, slot: str, *, succeeded: bool, now: datetime) -> None:
    # One atomic UPDATE: concurrent retries both count.
    table = SlotStat.__table__
    insert_if_absent(
        session,
        table,  # type: ignore[arg-type]
        {
            "id": new_id("slot"),
            "org_id": org_id,
            "slot": slot,
            "successes": 0,
            "failures": 0,
            "updated_at": now,
        },
        ["org_id", "slot"],
    )
    column = SlotStat.successes if succeeded else SlotStat.failures
    session.execute(
        update(SlotStat)
        .where(SlotStat.org_id == org_id, SlotStat.slot == slot)
        .values({column: column + 1, SlotStat.updated_at: now})
        .execution_options(synchronize_session=False)
    )
