"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TINKO_TEST_DATABASE_URL is
set), migrated once per test worker with Alembic and emptied between tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tinko.config import Settings
from tinko.db import make_engine
from tinko.kit.clock import FrozenClock
from tinko.main import create_app
from tinko.migrate import upgrade
from tinko.models import Base

# Property tests check behaviour, never speed: a busy 2-core machine must not fail them.
settings.register_profile(
    "tinko", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("tinko")

TEST_SECRET = "test-secret-key-long-enough-for-any-hmac-0123456789abcdefghijklmnopqrstuvwxyz"
START = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TINKO_TEST_DATABASE_URL")
    if not base:
        path = tmp_path_factory.mktemp("db") / f"tinko-{_worker()}.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    # One database per xdist worker, created fresh and dropped at the end.
    admin_url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"{admin_url.database}_{_worker()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    uses_database = "engine" in request.fixturenames
    engine: Engine | None = request.getfixturevalue("engine") if uses_database else None
    yield
    if engine is None:
        return
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        var_dir=tmp_path / "var",
        run_jobs=False,
        rate_limits="login:1000/minute,register:1000/minute,forgot:1000/minute,refresh:1000/minute",
    )


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# Browser tests' fixtures (pages, console), defined once for the whole run.
from tests.browser import browser, live_url  # noqa: E402, F401
