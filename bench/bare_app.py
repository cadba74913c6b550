"""The baseline for bench/intake.py: one FastAPI route that does one INSERT and commits,
on the same engine settings as Tinko (SQLite WAL + BEGIN IMMEDIATE, or PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, insert

from tinko.db import make_engine

metadata = MetaData()
bench_row = Table(
    "bench_bare_row",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

engine = make_engine(os.environ["BENCH_DATABASE_URL"])
metadata.create_all(engine)
app = FastAPI()


@app.post("/bare", status_code=202)
def bare(payload: dict[str, Any], request: Request) -> dict[str, str]:
    row_id = uuid.uuid4().hex
    with engine.begin() as connection:
        connection.execute(
            insert(bench_row).values(id=row_id, body=str(payload), created_at=datetime.now(UTC))
        )
    return {"id": row_id}
