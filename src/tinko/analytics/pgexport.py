"""The export on PostgreSQL: the server writes the rows as text, Python only forwards them.

Turning a million rows into Python values and back into text cost about 60 µs a row, far
more than the query. Here every cell is formatted by SQL exactly as `export.batches` formats
it (dates as ISO 8601, UTC times as Python's `isoformat`, formula starters quoted), and
- CSV comes from `COPY (…) TO STDOUT WITH (FORMAT csv)`, PostgreSQL's own CSV writer, which
  quotes like Python's `csv` module (QUOTE_MINIMAL, `\\n` line ends; empty text is sent as NULL
  so both write an empty cell), https://www.postgresql.org/docs/current/sql-copy.html;
- JSONL is one `row_to_json(…)::text` per row, sent by COPY as well (see _JSONL_COPY).
Either way, memory holds one chunk of text at a time, whatever the number of rows. The rows
are those of `snapshot.rows`: the fact snapshot, corrected for the cases changed since.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from sqlalchemy import Integer, String, cast, func, literal, literal_column, select
from sqlalchemy import case as case_
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement, Select

from tinko.analytics import snapshot
from tinko.analytics.queries import Scope, tune

CHUNK: Final = 256 * 1024  # characters of text sent at a time
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_TIMES: Final = ("failed_at", "closed_at", "window_end")


def _iso_time(column: Any) -> ColumnElement[str]:
    """Python's `datetime.isoformat()` of a UTC time: microseconds only when there are some.

    A time in whole seconds (most of them) is PostgreSQL's own ISO text with the session in
    UTC (`2026-11-02 12:00:00+00`, set by _copy), a `T` and `:00` added: far cheaper than
    to_char. PostgreSQL drops a fraction's trailing zeros and Python does not, so the others
    are written by to_char."""
    whole = func.date_trunc("second", column) == column
    fast = func.replace(cast(column, String), " ", "T") + ":00"
    return case_((whole, fast), else_=_iso_time_slow(column))


def _iso_time_slow(column: Any) -> ColumnElement[str]:
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


def _cells(
    session: Session, scope: Scope, *, outside_text: tuple[str, ...], for_csv: bool
) -> Select[Any]:
    """The export's columns (named as in export.columns), each formatted as export.batches
    formats it in Python, in the same order (first failure, then case id); for JSONL, one
    `row_to_json` text a row (compact, keys in column order, as export.python_jsonl writes).

    The rows are sorted before they are formatted: a sort of the plain columns moves fewer bytes
    than one of the text, and a subquery with ORDER BY is kept as it is by the planner (it is not
    merged into the query around it), so the formatting reads the rows in that order."""
    source = snapshot.rows(session, scope).subquery("case_rows")
    rows = select(source).order_by(source.c.failed_at, source.c.case_id).subquery("ordered")
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
    formatted = select(*cells).select_from(rows)
    if for_csv:
        return formatted
    one = formatted.subquery("cells")
    return select(cast(func.row_to_json(one.table_valued()), String))


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
    return _copy(factory, scope, outside_text=outside_text, for_csv=True, options="FORMAT csv")


# JSON text never holds a raw control character (PostgreSQL's escape_json, like Python's json,
# writes each below U+0020 as an escape), so with these two as CSV delimiter and quote no cell
# is ever quoted and COPY sends exactly the JSON text and a newline; COPY's text format would
# double every backslash instead.
_JSONL_COPY: Final = "FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e'"


def jsonl_body(factory: sessionmaker[Session], scope: Scope) -> Iterator[str]:
    """One JSON object per line (the export's columns in order), in chunks of about CHUNK."""
    return _copy(factory, scope, outside_text=(), for_csv=False, options=_JSONL_COPY)


def _copy(
    factory: sessionmaker[Session],
    scope: Scope,
    *,
    outside_text: tuple[str, ...],
    for_csv: bool,
    options: str,
) -> Iterator[str]:
    """`COPY (the cells) TO STDOUT`, forwarded in chunks of about CHUNK characters."""
    session = factory()
    try:
        tune(session)
        # The text of a time as _iso_time expects it: ISO, in UTC (this transaction only).
        session.execute(
            select(
                func.set_config("timezone", "UTC", True), func.set_config("datestyle", "ISO", True)
            )
        )
        statement = _cells(session, scope, outside_text=outside_text, for_csv=for_csv)
        sql, params = _driver_sql(session, statement)
        raw = session.connection().connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH ({options})", params) as copy,
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
