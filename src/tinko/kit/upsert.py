"""Fast inserts for hot paths, on both databases (SQLite ≥ 3.35 and PostgreSQL).

The ORM's unit of work and `insert().values(...)` rebuild and re-key a statement per call;
these helpers execute one prebuilt statement per table with plain parameters, so the compiled
form is reused. Objects that must live on in the session are attached as if just loaded.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Insert, Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

T = TypeVar("T")


def insert_if_absent(
    session: Session, table: Table, values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert the row unless one with the same `conflict_columns` exists; True if inserted.

    On PostgreSQL a concurrent inserter of the same key waits for the first to commit or roll
    back, so exactly one of them wins; on SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    statement = _upsert(_dialect(session), table, tuple(conflict_columns))
    return session.execute(statement, values).first() is not None


def insert_new(
    session: Session, entity: type[T], attributes: dict[str, Any], conflict_columns: list[str]
) -> T | None:
    """Insert `entity` unless its key exists; the new object, attached without a read-back.

    `attributes` are ORM attribute names; any not given are stored and kept as None.
    """
    columns = _columns_of(entity)
    values = {column: attributes.get(attribute) for attribute, column in columns.items()}
    table: Table = entity.__table__  # type: ignore[attr-defined]
    statement = _upsert(_dialect(session), table, tuple(conflict_columns))
    if session.execute(statement, values).first() is None:
        return None
    instance = entity(**{attribute: attributes.get(attribute) for attribute in columns})
    make_transient_to_detached(instance)  # as if loaded: no INSERT at flush, no lazy reads
    session.add(instance)
    return instance


def insert_attached(session: Session, entity: type[T], attributes: dict[str, Any]) -> T:
    """INSERT one new row now and attach its object as if loaded, for later changes."""
    insert_row(session, entity, attributes)
    instance = entity(**{attribute: attributes.get(attribute) for attribute in _columns_of(entity)})
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def insert_row(session: Session, entity: type[Any], attributes: dict[str, Any]) -> None:
    """A plain INSERT of one row that nothing in this unit of work reads back."""
    columns = _columns_of(entity)
    values = {column: attributes.get(attribute) for attribute, column in columns.items()}
    session.execute(_insert(entity.__table__), values)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


_COLUMNS: dict[type[Any], dict[str, str]] = {}


def _columns_of(entity: type[Any]) -> dict[str, str]:
    """ORM attribute name → column name, for every mapped column."""
    columns = _COLUMNS.get(entity)
    if columns is None:
        columns = {prop.key: prop.columns[0].name for prop in inspect(entity).column_attrs}
        _COLUMNS[entity] = columns
    return columns


@cache
def _insert(table: Table) -> Insert:
    return table.insert()


@cache
def _upsert(dialect: str, table: Table, conflict_columns: tuple[str, ...]) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first_key = table.c[conflict_columns[0]]
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        .returning(first_key)
    )
