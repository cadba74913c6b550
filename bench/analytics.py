"""Analytics at scale: p50/p95 of every endpoint for 7/30/90 days, and the export's rows/s
and peak memory, next to a raw `SELECT count(*), sum(amount)` over the same rows.

The cases are the simulator's demo history (`tinko.simulate.history.fill_history`: cases,
attempts, events, messages, links, timeline, a 5 % holdout) for `--base` failures, then
doubled set-based (`INSERT … SELECT` with a letter appended to every key) until there are
`--cases` cases, all in the last 90 days. Requests go through the real app (HTTP, auth).

    .venv/bin/python -m bench.analytics [--cases 100000] [--runs 7]
    scripts/with-postgres .venv/bin/python -m bench.analytics --cases 1000000  # adds PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Table, func, insert, literal, select, text
from sqlalchemy.orm import Session

from bench.scheduler import fresh_database
from tinko.analytics import export
from tinko.analytics.definitions import Filters, parse_period
from tinko.analytics.queries import Scope
from tinko.auth.members import create_api_key
from tinko.config import Settings
from tinko.db import make_engine, make_session_factory, unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.kit.ids import new_id
from tinko.main import create_app
from tinko.migrate import upgrade
from tinko.notify.models import OutboundMessage
from tinko.payments.models import PaymentEvent, Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink, TimelineEntry
from tinko.simulate.history import fill_history
from tinko.tenancy.models import Organization

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ENDPOINTS = (
    "summary",
    "timeseries",
    "recovery_rate",
    "revenue_recovered",
    "failure_categories",
    "attempts_by_channel",
    "by_attempt",
    "by_rail",
    "by_language",
    "time_to_recover",
    "cohorts",
    "uplift",
)
TABLES: tuple[Any, ...] = (
    Transaction,
    PaymentEvent,
    RecoveryCase,
    RecoveryAttempt,
    RecoveryLink,
    OutboundMessage,
    TimelineEntry,
)
# Columns that must stay unique (or point at a copied row): a letter is appended to each.
KEYS = {"id", "transaction_id", "case_id", "transaction_ref", "external_id"}
SUFFIXES = "ghijklmnopqrstuvwxyz"  # not hexadecimal: a copied token digest never meets one


def seed(url: str, settings: Settings, base: int, cases: int) -> str:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    clock = FrozenClock(NOW)
    with unit_of_work(factory) as session:
        org = Organization(
            id=new_id("org"),
            name="Bench",
            slug="bench",
            timezone="Asia/Kolkata",
            default_currency="INR",
            holdout_percent=5,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(org)
        session.flush()
        fill_history(session, clock, settings, org.id, failures=base)
    with unit_of_work(factory) as session:
        count = _count(session)
        for suffix in SUFFIXES:
            if count >= cases:
                break
            for model in TABLES:
                _double(session, model.__table__, suffix)
            count = _count(session)
            sys.stderr.write(f"  {count} cases\n")
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return org.id


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RecoveryCase)) or 0)


def _double(session: Session, table: Table, suffix: str) -> None:
    """Copy every row of the table once, keys suffixed: twice as many rows, one statement."""
    exprs = []
    for column in table.columns:
        if column.name in KEYS:
            exprs.append((column + literal(suffix)).label(column.name))
        elif column.name == "token_digest":
            exprs.append((func.substr(column, 2) + literal(suffix)).label(column.name))
        else:
            exprs.append(column)
    session.execute(insert(table).from_select([c.name for c in table.columns], select(*exprs)))


def timings(
    client: TestClient, headers: dict[str, str], path: str, runs: int, **params: Any
) -> dict[str, float]:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(f"/v1/analytics/{path}", params=params, headers=headers)
        seconds.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return {"p50_ms": round(statistics.median(seconds) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def floor_ms(url: str, org_id: str, days: int, runs: int) -> float:
    """The raw floor: count and sum the same cases, no grouping, no shaping, no HTTP."""
    engine = make_engine(url)
    since = NOW - timedelta(days=days)
    statement = (
        select(func.count(), func.sum(Transaction.amount_minor))
        .select_from(RecoveryCase)
        .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
        .where(RecoveryCase.org_id == org_id, RecoveryCase.failed_at >= since)
    )
    seconds = []
    with engine.connect() as connection:
        for _ in range(runs):
            began = time.perf_counter()
            connection.execute(statement).one()
            seconds.append(time.perf_counter() - began)
    engine.dispose()
    return round(statistics.median(seconds) * 1000, 1)


def export_run(app: Any, org_id: str, period: str) -> dict[str, float]:
    """Stream the JSONL export to nowhere: rows/s and the peak of Python memory meanwhile."""
    scope = Scope(org_id, parse_period(period, None, None, "Asia/Kolkata", NOW), Filters(), NOW)
    tracemalloc.start()
    began = time.perf_counter()
    rows = sum(
        chunk.count("\n") for chunk in export.jsonl_stream(app.state.read_session_factory, scope)
    )
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"rows": rows, "rows_per_s": round(rows / elapsed), "peak_mib": round(peak / 2**20, 1)}


def run(kind: str, tmp: str, args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database(kind, tmp, f"analytics_{kind}")
    upgrade(url)
    settings = Settings(
        env="test", database_url=url, secret_key="b" * 40, var_dir=f"{tmp}/var", run_jobs=False
    )
    began = time.perf_counter()
    org_id = seed(url, settings, args.base, args.cases)
    seeded = time.perf_counter() - began
    app = create_app(settings, clock=FrozenClock(NOW))
    with unit_of_work(app.state.session_factory) as session:
        _, key = create_api_key(
            session, app.state.clock, org_id, name="bench", role="viewer", created_by="bench"
        )
    headers = {"X-API-Key": key}
    result: dict[str, Any] = {"database": kind, "seed_seconds": round(seeded, 1), "endpoints": {}}
    with TestClient(app) as client:
        for period in ("7d", "30d", "90d"):
            days = int(period[:-1])
            result["endpoints"][period] = {
                "floor_count_sum_ms": floor_ms(url, org_id, days, args.runs),
                **{p: timings(client, headers, p, args.runs, period=period) for p in ENDPOINTS},
            }
            sys.stderr.write(f"  {kind} {period}: {result['endpoints'][period]}\n")
        result["export"] = {p: export_run(app, org_id, p) for p in ("7d", "90d")}
    with make_session_factory(make_engine(url))() as session:
        result["cases"] = _count(session)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=6_000, help="simulated failures to double")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    kinds = ["sqlite"]
    if os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TINKO_TEST_DATABASE_URL"):
        kinds.append("postgresql")
    if args.only:
        kinds = [args.only]
    with tempfile.TemporaryDirectory() as tmp:
        report = [run(kind, tmp, args) for kind in kinds]
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
