from __future__ import annotations

from sqlalchemy.exc import OperationalError

from tinko.db import is_transient


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_deadlock_victim_is_transient() -> None:
    assert is_transient(OperationalError("UPDATE …", {}, _DriverError("40P01")))


def test_serialization_failure_is_transient() -> None:
    assert is_transient(OperationalError("UPDATE …", {}, _DriverError("40001")))


def test_other_database_errors_are_not_transient() -> None:
    assert not is_transient(OperationalError("SELECT …", {}, _DriverError("08006")))
