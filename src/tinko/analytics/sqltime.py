"""Time arithmetic that reads the same on SQLite and PostgreSQL.

SQLite has no time zones, so a local day is computed as whole seconds since the epoch plus the
zone's UTC offset, the offset being a CASE over the zone's transitions in the range asked for
(none for Asia/Kolkata, two a year where clocks change): exact on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

DAY_SECONDS = 86_400


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a timestamp column."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def offsets(zone_name: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(from, utc offset seconds)] covering [start, end): the first from is `start`."""
    zone = ZoneInfo(zone_name)

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    found = [(start, offset(start))]
    at = start
    while at < end:
        step = min(at + timedelta(hours=1), end)
        if offset(step) != found[-1][1]:
            low, high = at, step  # the change is in (low, high]: narrow it to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == found[-1][1] else (low, middle)
            found.append((high.replace(microsecond=0), offset(step)))
        at = step
    return found


def local_day(column: Any, zone_name: str, start: datetime, end: datetime) -> ColumnElement[int]:
    """Days since 1970-01-01 of the column's local date in the zone (valid in [start, end))."""
    epoch = epoch_seconds(column)
    changes = offsets(zone_name, start.astimezone(UTC), end.astimezone(UTC))
    shift: ColumnElement[int]
    if len(changes) == 1:
        shift = literal(changes[0][1], Integer)
    else:
        whens = [
            (epoch < int(at.timestamp()), literal(previous, Integer))
            for (at, _), (_, previous) in zip(changes[1:], changes, strict=False)
        ]
        shift = case(*whens, else_=literal(changes[-1][1], Integer))
    return (epoch + shift) // DAY_SECONDS


def day_number(day: datetime) -> int:
    return int(day.timestamp()) // DAY_SECONDS
