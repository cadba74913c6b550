"""The per-case fact snapshot (models.AnalyticsCaseFact), decision 0016.

`refresh` upserts, in one INSERT … SELECT … ON CONFLICT DO UPDATE, the rows of
`queries.case_rows(detail=True)` of the cases changed since a watermark: the same expressions
the endpoints and the export read, so there is one definition of every column. The columns that
depend on the instant (provisional, window_closed, hours_observed) are not stored; a reader
works them out from `window_end`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from tinko.analytics.definitions import Filters, Period
from tinko.analytics.models import AnalyticsCaseFact
from tinko.analytics.queries import Scope, case_rows
from tinko.recovery.models import RecoveryCase

# The stored columns, named as case_rows labels them (plus the case's updated_at).
COLUMNS: Final = tuple(
    c.name for c in AnalyticsCaseFact.__table__.columns if c.name not in ("org_id", "updated_at")
)
KEY: Final = ["org_id", "case_id"]
INSTANT: Final = ("provisional", "window_closed", "hours_observed")


def refresh(
    session: Session, org_id: str, period: Period, now: datetime, since: datetime | None
) -> int:
    """Write the fact rows of the org's cases first failed in `period` and changed at or after
    `since` (every case of the period when None). Returns the rows written. Flushes only."""
    c = RecoveryCase
    scope = Scope(org_id, period, Filters(), now)
    if since is None:
        rows = case_rows(scope, detail=True)
    else:
        # The changed cases' attempts and links alone are grouped: the cost follows them.
        changed = select(c.id).where(c.org_id == org_id, c.updated_at >= since)
        rows = case_rows(scope, detail=True, only=changed)
    source = rows.add_columns(c.updated_at.label("updated_at")).subquery("changed")
    names = ["org_id", *COLUMNS, "updated_at"]
    # The WHERE keeps SQLite's parser from reading ON CONFLICT as a join's ON.
    chosen = select(literal(org_id), *[source.c[n] for n in names[1:]]).where(
        source.c.case_id.is_not(None)
    )
    statement: Executable
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(AnalyticsCaseFact).from_select(names, chosen)
        statement = pg.on_conflict_do_update(
            index_elements=KEY, set_={n: pg.excluded[n] for n in names[2:]}
        )
    else:
        lite = sqlite.insert(AnalyticsCaseFact).from_select(names, chosen)
        statement = lite.on_conflict_do_update(
            index_elements=KEY, set_={n: lite.excluded[n] for n in names[2:]}
        )
    result = session.execute(statement)
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def clear(session: Session, org_id: str) -> None:
    """Drop the org's fact rows (before a rebuild: first refresh, or a new time zone)."""
    session.execute(delete(AnalyticsCaseFact).where(AnalyticsCaseFact.org_id == org_id))
