"""Declarative base, portable column types, engines and the unit of work."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (SQLite stores no offset; we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSON that is JSONB on PostgreSQL (indexable, compact) and JSON text elsewhere.
PortableJSON = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: PortableJSON,
    }


def make_engine(url: str, *, pool_size: int = 10, read_only: bool = False) -> Engine:
    """An engine for `url`. On SQLite, `read_only` gives WAL readers that never take the
    write gate, for lookups (who is calling) that must not queue behind writers."""
    if url.startswith("sqlite") and read_only:
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_query_only)
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
        return engine
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_json_dumps,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _SQLiteWriteGate().install(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        json_serializer=_json_dumps,
    )


class _SQLiteWriteGate:
    """One writer at a time per process, first come first served.

    Every transaction takes SQLite's write lock at BEGIN (BEGIN IMMEDIATE), so a read never
    has to upgrade to a write and deadlock. Left to SQLite, waiters sleep and poll in its busy
    handler, which starves some of them for seconds under load; queueing on a Python lock first
    hands the database over without sleeping. Other processes still meet the busy timeout.
    """

    TIMEOUT_SECONDS = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def install(self, engine: Engine) -> None:
        event.listen(engine, "begin", self._begin)
        event.listen(engine.pool, "checkin", self._release)
        event.listen(engine.pool, "invalidate", self._release_invalidated)

    def _begin(self, connection: Connection) -> None:
        info = connection.connection.info
        if not info.get("tinko_write_gate"):
            if not self._lock.acquire(timeout=self.TIMEOUT_SECONDS):
                raise sqlite3.OperationalError("database is locked (write gate timeout)")
            info["tinko_write_gate"] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _release(self, _dbapi_connection: Any, record: Any) -> None:
        # Checked in means committed or rolled back: the SQLite lock is already free.
        if record is not None and record.info.pop("tinko_write_gate", False):
            self._lock.release()

    def _release_invalidated(self, _dbapi_connection: Any, record: Any, _exc: Any) -> None:
        self._release(_dbapi_connection, record)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions itself; hand that to SQLAlchemy's begin event.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only=ON")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
    except BaseException as exc:
        finish(session, exc)
        raise
    finish(session, None)


def finish(session: Session, error: BaseException | None) -> None:
    """End a unit of work: commit, or roll back on an error, then release the connection.

    An exception may set `commit_changes = True` when what was done before it must stick
    (revoking a session family on refresh-token reuse, then answering 401).
    """
    try:
        if error is None or getattr(error, "commit_changes", False):
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


# PostgreSQL's deadlock victim and serialization failure: the transaction may simply be retried.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(error: BaseException) -> bool:
    """True for a failure that a fresh attempt of the same transaction can succeed at."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) in _TRANSIENT_SQLSTATES
