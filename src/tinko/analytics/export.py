"""`/v1/analytics/export.csv|.jsonl`: one row per case with everything the numbers are made of,
streamed in fixed-size batches (here, from a cursor over `snapshot.rows`; on PostgreSQL the
server writes the text, pgexport), so memory stays flat however many cases there are.

Rows stay plain tuples from the driver to the csv module: no ORM objects, no dict per row for
CSV, and only the cells that need it are touched (dates written as ISO 8601, text that a
spreadsheet would run as a formula quoted).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from tinko.analytics import pgexport, snapshot
from tinko.analytics.queries import Scope, case_rows

BATCH: Final = 5000
EPOCH: Final = date(1970, 1, 1)
# Spreadsheet formula starters (OWASP "CSV injection",
# https://owasp.org/www-community/attacks/CSV_Injection); a quote makes the cell plain text.
_FORMULA_START: Final = frozenset(("=", "+", "-", "@", "\t", "\r"))
_TIMES: Final = ("failed_at", "closed_at", "window_end")
# The text cells that come from outside (the merchant's reference, the payment's gateway, rail
# and country, the customer's locale); every other text cell is one of Tinko's own words or ids.
_OUTSIDE_TEXT: Final = ("transaction_ref", "gateway", "rail", "country", "language")


def _name(name: str) -> str:
    return "cohort_date" if name == "day" else name


def columns(scope: Scope) -> list[str]:
    return [_name(c.name) for c in case_rows(scope, detail=True).selected_columns]


def batches(factory: sessionmaker[Session], scope: Scope) -> Iterator[list[list[Any]]]:
    """The case rows in batches of lists of plain values (dates as ISO text), read inside one
    read-only transaction from a server-side cursor (PostgreSQL) or SQLite's own stepping."""
    names = columns(scope)
    day_at = names.index("cohort_date")
    time_at = [names.index(name) for name in _TIMES]
    days: dict[int, str] = {}
    session = factory()
    try:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # The sort and the per-case groups in memory rather than in temporary files.
            connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        statement = snapshot.rows(session, scope).order_by("failed_at", "case_id")
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
            statement
        )
        for partition in result.partitions(BATCH):
            batch = []
            for row in partition:
                values = list(row)
                day = values[day_at]
                values[day_at] = days.get(day) or days.setdefault(
                    day, (EPOCH + timedelta(days=int(day))).isoformat()
                )
                for at in time_at:
                    if values[at] is not None:
                        values[at] = values[at].isoformat()
                batch.append(values)
            yield batch
    finally:
        session.rollback()
        session.close()


def rows(factory: sessionmaker[Session], scope: Scope) -> Iterator[dict[str, Any]]:
    """The case rows as dicts (column name → value)."""
    names = columns(scope)
    for batch in batches(factory, scope):
        for values in batch:
            yield dict(zip(names, values, strict=True))


def _on_postgresql(factory: sessionmaker[Session]) -> bool:
    bind = factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "postgresql"


def csv_stream(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = columns(scope)
    writer.writerow(names)
    yield buffer.getvalue()
    if _on_postgresql(factory):  # the server writes the same cells (pgexport)
        yield from pgexport.csv_body(factory, scope, _OUTSIDE_TEXT)
    else:
        yield from python_csv_body(factory, scope)


def python_csv_body(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    """The CSV rows without the header, written by Python's csv module."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = columns(scope)
    text_at = [names.index(name) for name in _OUTSIDE_TEXT]
    starts = _FORMULA_START
    for batch in batches(factory, scope):
        for values in batch:
            for at in text_at:
                value = values[at]
                if value and value[0] in starts:
                    values[at] = "'" + value
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_stream(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    if _on_postgresql(factory):
        yield from pgexport.jsonl_body(factory, scope)
    else:
        yield from python_jsonl(factory, scope)


def python_jsonl(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    """The JSON lines written by Python's json module: compact, and text as UTF-8 rather than
    `\\u` escapes, as PostgreSQL's row_to_json writes them (pgexport)."""
    names = columns(scope)
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for batch in batches(factory, scope):
        yield "".join(dumps(dict(zip(names, values, strict=True))) + "\n" for values in batch)
