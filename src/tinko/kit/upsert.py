"""INSERT … ON CONFLICT DO NOTHING on both databases (SQLite ≥ 3.35 and PostgreSQL)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")


def insert_if_absent(
    session: Session, table: Table, values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert the row unless one with the same `conflict_columns` exists; True if inserted.

    On PostgreSQL a concurrent inserter of the same key waits for the first to commit or roll
    back, so exactly one of them wins; on SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    )
    result = session.execute(statement.returning(table.c[conflict_columns[0]]))
    return result.first() is not None


def insert_returning(
    session: Session, entity: type[T], values: dict[str, Any], conflict_columns: list[str]
) -> T | None:
    """The ORM object just inserted, or None when a row with the same key already existed."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(entity)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(entity)
    )
    return session.scalars(statement).first()
