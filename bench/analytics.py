"""Analytics at scale: p50/p95 of every endpoint for 7/30/90 days and the export's rows/s and
memory, each next to floors measured in the same run (the raw SQL over the same case rows,
and a bare authenticated endpoint).

The cases are the simulator's demo history (`tinko.simulate.history.fill_history`: cases,
attempts, events, messages, links, timeline, a 5 % holdout) for at most 8 000 failures, then
doubled set-based (`INSERT … SELECT`, a letter appended to every key) until there are
`--cases` cases, all in the 90 days before NOW. The timeline is not doubled: analytics never
reads it. Requests go through the real app (HTTP, auth). See docs/analytics.md, "Speed".

    .venv/bin/python -m bench.analytics [--cases 100000] [--runs 15]
    scripts/with-postgres .venv/bin/python -m bench.analytics --cases 1000000 --only postgresql
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Table, create_engine, delete, func, insert, literal, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tinko.analytics import export, rollup
from tinko.analytics.definitions import Filters, parse_period
from tinko.analytics.models import AnalyticsRollupState
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
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink
from tinko.simulate.history import fill_history
from tinko.tenancy.models import Organization

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ZONE = "Asia/Kolkata"
ENDPOINTS = (
    "summary",
    "timeseries",
    "recovery_rate",
    "revenue_recovered",
    "failure_categories",
    "by_rail",
    "by_language",
    "attempts_by_channel",
    "by_attempt",
    "time_to_recover",
    "cohorts",
    "uplift",
)
# The endpoints the rollup serves; the others read every case of the period.
ROLLED_UP = ENDPOINTS[:7]
TABLES: tuple[Any, ...] = (
    Transaction,
    PaymentEvent,
    RecoveryCase,
    RecoveryAttempt,
    RecoveryLink,
    OutboundMessage,
)
BASE_MAX = 8000
# Columns that must stay unique (or point at a copied row): a letter is appended to each.
KEYS = {"id", "transaction_id", "case_id", "transaction_ref", "external_id", "message_id"}
SUFFIXES = "ghijklmnopqrstuvwxyz"
COUNTRIES = (
    "US",
    "GB",
    "SG",
    "AE",
    "DE",
    "FR",
    "AU",
    "CA",
)  # not hexadecimal: a copied token digest never meets one


def sizes(cases: int) -> tuple[int, int]:
    """(simulated failures, doublings) that make about `cases` cases."""
    doublings = max(0, math.ceil(math.log2(cases / BASE_MAX))) if cases > BASE_MAX else 0
    return math.ceil(cases / 2**doublings), doublings


def seed(url: str, settings: Settings, cases: int) -> str:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    base, doublings = sizes(cases)
    with unit_of_work(factory) as session:
        org = Organization(
            id=new_id("org"),
            name="Bench",
            slug="bench",
            timezone=ZONE,
            default_currency="INR",
            holdout_percent=5,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(org)
        session.flush()
        fill_history(session, FrozenClock(NOW), settings, org.id, failures=base)
    for suffix in SUFFIXES[:doublings]:
        with unit_of_work(factory) as session:
            for model in TABLES:
                _double(session, model.__table__, suffix)
            sys.stderr.write(f"  {_count(session)} cases\n")
    _analyze(engine.url.render_as_string(hide_password=False))
    engine.dispose()
    return org.id


def _analyze(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    engine.dispose()


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RecoveryCase)) or 0)


def _double(session: Session, table: Table, suffix: str) -> None:
    """Copy every row of the table once, keys suffixed: twice as many rows, one statement."""
    exprs: list[Any] = []
    for column in table.columns:
        if column.name in KEYS:
            exprs.append((column + literal(suffix)).label(column.name))
        elif column.name == "country":
            # Each doubling's copies in another country: the rollup gets as many segments a
            # day as a large merchant's would, not just the base history's.
            exprs.append(
                literal(COUNTRIES[SUFFIXES.index(suffix) % len(COUNTRIES)]).label("country")
            )
        elif column.name == "token_digest":
            exprs.append((func.substr(column, 2) + literal(suffix)).label(column.name))
        else:
            exprs.append(column)
    session.execute(insert(table).from_select([c.name for c in table.columns], select(*exprs)))


def build_rollup(url: str, org_id: str) -> float:
    """The first refresh: every cohort day of the org, one INSERT … SELECT."""
    engine = make_engine(url)
    began = time.perf_counter()
    with unit_of_work(make_session_factory(engine)) as session:
        session.execute(delete(AnalyticsRollupState).where(AnalyticsRollupState.org_id == org_id))
        rollup.refresh(session, org_id, ZONE, NOW)
    seconds = time.perf_counter() - began
    engine.dispose()
    _analyze(url)
    return round(seconds, 1)


def percentiles(seconds: list[float]) -> dict[str, float]:
    seconds = sorted(seconds)
    p95 = seconds[min(len(seconds) - 1, math.ceil(0.95 * len(seconds)) - 1)]
    return {"p50_ms": round(statistics.median(seconds) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def timings(
    client: TestClient, headers: dict[str, str], path: str, runs: int, **params: Any
) -> dict[str, float]:
    client.get(path, params=params, headers=headers)  # warm: plans, caches, the pool
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path, params=params, headers=headers)
        seconds.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
    return percentiles(seconds)


def raw_floors(url: str, org_id: str, period: str, runs: int) -> dict[str, dict[str, float]]:
    """The same case rows read by plain SQL, no HTTP and no shaping: a count and sum, and the
    summary's own grouping (currency x status), both straight from the case rows."""
    bounds = parse_period(period, None, None, ZONE, NOW)
    c, t = RecoveryCase, Transaction
    rows = (
        select()
        .select_from(c)
        .join(t, t.id == c.transaction_id)
        .where(c.org_id == org_id, c.failed_at >= bounds.start, c.failed_at < bounds.end)
    )
    statements = {
        "raw_count_sum": rows.add_columns(func.count(), func.sum(t.amount_minor)),
        "raw_summary_grouped": rows.add_columns(
            t.currency, c.status, func.count(), func.sum(t.amount_minor)
        ).group_by(t.currency, c.status),
    }
    engine = make_engine(url)
    found = {}
    with engine.connect() as connection:
        for name, statement in statements.items():
            connection.execute(statement).all()
            seconds = []
            for _ in range(runs):
                began = time.perf_counter()
                connection.execute(statement).all()
                seconds.append(time.perf_counter() - began)
            found[name] = percentiles(seconds)
    engine.dispose()
    return found


@contextmanager
def case_level() -> Iterator[None]:
    """Every analytics read from the cases, as before the rollup."""
    saved = rollup.plan_for
    rollup.plan_for = lambda session, scope: rollup.CASE_LEVEL
    try:
        yield
    finally:
        rollup.plan_for = saved


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def export_run(app: Any, org_id: str, period: str, kind: str) -> dict[str, float]:
    """Stream the export to nowhere: rows/s, and the process's resident memory sampled every
    20 ms meanwhile (its growth over the start is what a bigger export would add)."""
    scope = Scope(org_id, parse_period(period, None, None, ZONE, NOW), Filters(), NOW)
    stream = export.csv_stream if kind == "csv" else export.jsonl_stream
    start = _rss_mib()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    lines = sum(chunk.count("\n") for chunk in stream(app.state.read_session_factory, scope))
    elapsed = time.perf_counter() - began
    done.set()
    sampler.join()
    rows = lines - (1 if kind == "csv" else 0)
    return {
        "rows": rows,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(rows / elapsed),
        "rss_start_mib": round(start, 1),
        "rss_growth_mib": round(peak[0] - start, 1),
    }


def touch(url: str, org_id: str, count: int) -> int:
    """A live organisation: `count` cases of the last 30 days changed since the last refresh
    (their days are read from the cases until the next one). Returns how many days that is."""
    engine = make_engine(url)
    c = RecoveryCase
    with unit_of_work(make_session_factory(engine)) as session:
        chosen = (
            select(c.id)
            .where(c.org_id == org_id, c.failed_at >= NOW - timedelta(days=30))
            .order_by(func.random())
            .limit(count)
        )
        session.execute(update(c).where(c.id.in_(chosen)).values(updated_at=NOW))
        days = session.scalar(
            select(func.count(func.distinct(func.date(c.failed_at)))).where(
                c.org_id == org_id, c.updated_at >= NOW
            )
        )
    engine.dispose()
    return int(days or 0)


def database(kind: str, tmp: str, args: argparse.Namespace) -> tuple[str, bool]:
    """(url, fresh): a new database, or with --keep the one kept from an earlier run."""
    label = f"analytics_{kind}_{args.cases}"
    if kind == "sqlite":
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{label}.db"
        return f"sqlite:///{path}", not (args.keep and path.exists())
    base = make_url(
        os.environ.get("BENCH_POSTGRES_URL") or os.environ["TINKO_TEST_DATABASE_URL"]
    ).set(drivername="postgresql+psycopg")
    name = f"bench_{label}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if exists and not args.keep:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if not exists or not args.keep:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), not (exists and args.keep)


def run(kind: str, tmp: str, args: argparse.Namespace) -> dict[str, Any]:
    url, fresh = database(kind, tmp, args)
    upgrade(url)
    settings = Settings(
        env="test", database_url=url, secret_key="b" * 40, var_dir=f"{tmp}/var", run_jobs=False
    )
    result: dict[str, Any] = {"database": kind}
    began = time.perf_counter()
    if fresh:
        org_id = seed(url, settings, args.cases)
        result["seed_seconds"] = round(time.perf_counter() - began, 1)
    else:
        with make_session_factory(make_engine(url))() as session:
            org_id = session.scalars(
                select(Organization.id).where(Organization.slug == "bench")
            ).one()
    result["rollup_build_seconds"] = build_rollup(url, org_id)
    app = create_app(settings, clock=FrozenClock(NOW))
    with make_session_factory(make_engine(url))() as session:
        result["cases"] = _count(session)
        result["rollup_rows"] = session.scalar(text("SELECT count(*) FROM analytics_daily"))
    with unit_of_work(app.state.session_factory) as session:
        _, key = create_api_key(
            session, app.state.clock, org_id, name="bench", role="viewer", created_by="bench"
        )
    headers = {"X-API-Key": key}
    result["periods"] = {}
    with TestClient(app) as client:
        for period in ("7d", "30d", "90d"):
            found: dict[str, Any] = raw_floors(url, org_id, period, args.runs)
            found["bare_endpoint"] = timings(client, headers, "/v1/auth/org", args.runs)
            for path in ENDPOINTS:
                runs = args.runs if path in ROLLED_UP else args.slow_runs or args.runs
                found[path] = timings(client, headers, f"/v1/analytics/{path}", runs, period=period)
            with case_level():
                for path in ("summary", "timeseries"):
                    found[f"{path}_from_cases"] = timings(
                        client, headers, f"/v1/analytics/{path}", args.runs, period=period
                    )
            result["periods"][period] = found
            sys.stderr.write(f"  {kind} {period}: {json.dumps(found)}\n")
        result["export"] = {
            f"{fmt}_{period}": export_run(app, org_id, period, fmt)
            for period in ("7d", "90d")
            for fmt in ("csv", "jsonl")
        }
        if args.touch:
            days = touch(url, org_id, args.touch)
            live = {"touched_cases": args.touch, "stale_days": days}
            for path in ("summary", "timeseries"):
                live[path] = timings(
                    client, headers, f"/v1/analytics/{path}", args.runs, period="30d"
                )
            result["live_30d"] = live
    return result


def table(report: list[dict[str, Any]]) -> str:
    """The results as the Markdown table of docs/analytics.md."""
    lines = []
    for found in report:
        lines.append(
            f"\n{found['database']}: {found['cases']} cases, {found['rollup_rows']} rollup rows, "
            f"rollup built in {found['rollup_build_seconds']} s\n"
        )
        lines.append("| p50 / p95 ms | 7 d | 30 d | 90 d |")
        lines.append("|---|---|---|---|")
        names = list(found["periods"]["7d"])
        for name in names:
            cells = [
                f"{found['periods'][p][name]['p50_ms']} / {found['periods'][p][name]['p95_ms']}"
                for p in ("7d", "30d", "90d")
            ]
            lines.append(f"| {name} | {' | '.join(cells)} |")
        lines.append("\n| export | rows | rows/s | RSS growth MiB |")
        lines.append("|---|---|---|---|")
        for name, e in found["export"].items():
            lines.append(f"| {name} | {e['rows']} | {e['rows_per_s']} | {e['rss_growth_mib']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--slow-runs", type=int, help="runs of the endpoints that read the cases (default --runs)"
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--keep", help="keep the databases (SQLite files in this folder) and reuse them"
    )
    parser.add_argument(
        "--touch", type=int, default=0, help="then change N cases and measure again"
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    kinds = ["sqlite"]
    if os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TINKO_TEST_DATABASE_URL"):
        kinds.append("postgresql")
    if args.only:
        kinds = [args.only]
    with tempfile.TemporaryDirectory() as tmp:
        report = [run(kind, tmp, args) for kind in kinds]
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    sys.stdout.write(table(report))
    return report


if __name__ == "__main__":
    main()
