"""`/v1/analytics/export.csv|.jsonl`: one row per case with everything the numbers are made of,
streamed from a server-side cursor in fixed-size batches, so memory stays flat however many
cases there are."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from tinko.analytics.queries import Scope, case_rows

BATCH: Final = 2000
EPOCH: Final = date(1970, 1, 1)
# Spreadsheet formula starters (OWASP "CSV injection"); a quote makes the cell plain text.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _name(name: str) -> str:
    return "cohort_date" if name == "day" else name


def columns(scope: Scope) -> list[str]:
    return [_name(c.name) for c in case_rows(scope, detail=True).selected_columns]


def _value(name: str, value: Any) -> Any:
    if name == "cohort_date":
        return (EPOCH + timedelta(days=int(value))).isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def rows(factory: sessionmaker[Session], scope: Scope) -> Iterator[dict[str, Any]]:
    """The case rows as plain dicts, read in batches inside one read-only transaction."""
    session = factory()
    try:
        statement = case_rows(scope, detail=True).order_by("failed_at", "case_id")
        result = session.execute(statement.execution_options(yield_per=BATCH))
        names = [_name(name) for name in result.keys()]  # noqa: SIM118
        for partition in result.partitions():
            for row in partition:
                yield {name: _value(name, value) for name, value in zip(names, row, strict=True)}
    finally:
        session.rollback()
        session.close()


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_stream(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(scope))
    for count, row in enumerate(rows(factory, scope), start=1):
        writer.writerow([neutralise(v) if v is not None else "" for v in row.values()])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_stream(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    chunk: list[str] = []
    for row in rows(factory, scope):
        chunk.append(json.dumps(row, separators=(",", ":")))
        if len(chunk) == 500:
            yield "\n".join(chunk) + "\n"
            chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"
