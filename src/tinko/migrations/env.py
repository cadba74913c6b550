from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from tinko.db import make_engine
from tinko.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from tinko.config import load_settings

        url = load_settings().resolved_database_url
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Servers starting together migrate one after the other, not at once.
                    connection.execute(text("SELECT pg_advisory_xact_lock(7212202611220001)"))
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
