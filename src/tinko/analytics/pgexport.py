"""The export on PostgreSQL: the server writes the rows as text, Python only forwards them.

Turning a million rows into Python values and back into text cost about 60 µs a row, far
more than the query. Here every cell is formatted by SQL exactly as `export.batches` formats
it (dates as ISO 8601, UTC times as Python's `isoformat`, formula starters quoted), and
- CSV comes from `COPY (…) TO STDOUT WITH (FORMAT csv)`, PostgreSQL's own CSV writer, which
  quotes like Python's `csv` module (QUOTE_MINIMAL, `\\n` line ends; empty text is sent as NULL
  so both write an empty cell), https://www.postgresql.org/docs/current/sql-copy.html;
- JSONL is one `json_build_object(…)::text` per row, read from a server-side cursor.
Either way, memory holds one batch of text at a time, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from sqlalchemy import Integer, String, cast, func, literal, literal_column, select
from sqlalchemy import case as case_
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement, Select

from tinko.analytics.queries import Scope, case_rows, tune

CHUNK: Final = 256 * 1024  # characters of text sent at a time
BATCH: Final = 5000
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_TIMES: Final = ("failed_at", "closed_at", "window_end")


def _iso_time(column: Any) -> ColumnElement[str]:
    """Python's `datetime.isoformat()` of a UTC time: microseconds only when there are some."""
    utc = func.timezone("UTC", column)
    fraction = case_(
        (func.mod(func.extract("microseconds", utc), 1_000_000) != 0, func.to_char(utc, ".US")),
        else_="",
    )
    text: ColumnElement[str] = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS') + fraction + "+00:00"
    return text


def _quoted(column: Any) -> ColumnElement[str]:
    """A leading `'` on text a spreadsheet would run as a formula (see export._FORMULA_START)."""
    starts = func.left(column, 1).in_(_FORMULA_START)
    found: ColumnElement[str] = case_((starts, literal("'") + column), else_=column)
    return found


def _cells(scope: Scope, *, outside_text: tuple[str, ...], for_csv: bool) -> Select[Any]:
    """The export's columns (named as in export.columns), each formatted as export.batches
    formats it in Python, in the same order (first failure, then case id)."""
    rows = case_rows(scope, detail=True).subquery("case_rows")
    cells: list[Any] = []
    for column in rows.c:
        value: Any = column
        if column.name == "day":
            value = func.to_char(
                literal_column("DATE '1970-01-01'") + cast(column, Integer), "YYYY-MM-DD"
            )
        elif column.name in _TIMES:
            value = _iso_time(column)
        elif column.name in outside_text and for_csv:
            value = _quoted(column)
        if for_csv and not isinstance(column.type, Integer):
            value = func.nullif(cast(value, String), "")  # '' and NULL: both an empty cell
        cells.append(value.label("cohort_date" if column.name == "day" else column.name))
    if not for_csv:
        pairs: list[Any] = []
        for cell in cells:
            pairs.extend((literal_column(f"'{cell.name}'"), cell.element))  # our own names
        cells = [cast(func.json_build_object(*pairs), String)]
    return select(*cells).select_from(rows).order_by(rows.c.failed_at, rows.c.case_id)


def _driver_sql(session: Session, statement: Select[Any]) -> tuple[str, dict[str, Any]]:
    """The statement as psycopg text and parameters (psycopg binds them client-side)."""
    compiled = statement.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    return str(compiled), dict(compiled.params)


def csv_body(
    factory: sessionmaker[Session], scope: Scope, outside_text: tuple[str, ...]
) -> Iterator[str]:
    """The CSV rows without the header line, in chunks of about CHUNK characters."""
    session = factory()
    try:
        tune(session)
        sql, params = _driver_sql(session, _cells(scope, outside_text=outside_text, for_csv=True))
        raw = session.connection().connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
        ):
            parts: list[bytes] = []
            size = 0
            for data in copy:
                parts.append(bytes(data))
                size += len(data)
                if size >= CHUNK:
                    yield b"".join(parts).decode()
                    parts, size = [], 0
            yield b"".join(parts).decode()
    finally:
        session.rollback()
        session.close()


def jsonl_body(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    """One JSON object per line (the export's columns in order), in batches of BATCH rows."""
    statement = _cells(scope, outside_text=(), for_csv=False)
    session = factory()
    try:
        tune(session)
        connection = session.connection()
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
            statement
        )
        for partition in result.scalars().partitions(BATCH):
            yield "\n".join(partition) + "\n"
    finally:
        session.rollback()
        session.close()
