"""Time to drain due recovery attempts through the real engine, against a raw SQL UPDATE.

Seeds N open cases, each with one due silent retry on the sandbox PSP (`pm_sandbox_success`,
so each run goes claim → charge → record → close), then drains them with 1 and 2 worker
processes running the sweep/run loop of `recovery.sweep_due` + `recovery.run_batch`.
In the same run it times one `UPDATE recovery_attempt SET status = 'done' …` over the same
rows, the floor for touching them at all, and reports attempts/s and the ratio.

    .venv/bin/python -m bench.scheduler [--count 100000] [--workers 1 2] [--issuers 20]
    scripts/with-postgres .venv/bin/python -m bench.scheduler   # adds PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

from tinko.config import Settings
from tinko.db import make_engine, make_session_factory, unit_of_work
from tinko.flows import retry as runner
from tinko.jobs.registry import JobContext
from tinko.kit.clock import FrozenClock
from tinko.kit.ids import new_id
from tinko.migrate import upgrade
from tinko.payments.models import Transaction
from tinko.recovery import engine as recovery_engine
from tinko.recovery.jobs import RUN_BATCH
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.tenancy.models import Organization

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
BATCH = 500


def seed(url: str, count: int, issuers: int = 0) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        org_id = new_id("org")
        connection.execute(
            insert(Organization).values(
                id=org_id,
                name="Bench",
                slug=f"bench-{org_id[-6:]}",
                timezone="UTC",
                default_currency="INR",
                locale="en",
                link_ttl_hours=48,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        for start in range(0, count, 5000):
            size = min(5000, count - start)
            txns, cases, attempts = [], [], []
            for n in range(size):
                txn, case = new_id("txn"), new_id("rec")
                txns.append(
                    {
                        "id": txn,
                        "org_id": org_id,
                        "transaction_ref": txn,
                        "amount_minor": 49900,
                        "currency": "INR",
                        "gateway": "sandbox",
                        "payment_method_type": "card",
                        "payment_method_ref": f"pm_sandbox_success_{txn}",
                        "card_network": None,
                        # With --issuers, each claim also reads its issuers' signals.
                        "card_issuer": f"Bank {(start + n) % issuers}" if issuers else None,
                        "metadata": {},
                        "status": "failed",
                        "last_failed_at": NOW - timedelta(days=1),
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
                cases.append(
                    {
                        "id": case,
                        "org_id": org_id,
                        "transaction_id": txn,
                        "status": "scheduled",
                        "category": "insufficient_funds",
                        "decline_type": "soft",
                        "classification": {
                            "retryable": True,
                            "category": "insufficient_funds",
                            "cooldown_seconds": 0,
                            "reason": "funds",
                        },
                        "failure_count": 1,
                        "created_at": NOW - timedelta(days=1),
                        "updated_at": NOW,
                        "expires_at": NOW + timedelta(days=20),
                        "next_action_at": NOW,
                    }
                )
                attempts.append(
                    {
                        "id": new_id("att"),
                        "org_id": org_id,
                        "case_id": case,
                        "kind": "psp_retry",
                        "attempt_number": 1,
                        "status": "scheduled",
                        "scheduled_for": NOW,
                        "payment_method_ref": f"pm_sandbox_success_{txn}",
                        "created_at": NOW,
                    }
                )
            connection.execute(insert(Transaction), txns)
            connection.execute(insert(RecoveryCase), cases)
            connection.execute(insert(RecoveryAttempt), attempts)
    engine.dispose()


def raw_update_seconds(url: str) -> float:
    """One UPDATE of the same rows (then undone, untimed), in the same database."""
    engine = make_engine(url)
    with engine.begin() as connection:
        started = time.perf_counter()
        connection.execute(
            update(RecoveryAttempt)
            .where(RecoveryAttempt.status == "scheduled")
            .values(status="done", outcome="succeeded", started_at=NOW, finished_at=NOW)
        )
        elapsed = time.perf_counter() - started
        connection.execute(
            update(RecoveryAttempt)
            .where(RecoveryAttempt.status == "done")
            .values(status="scheduled", outcome=None, started_at=None, finished_at=None)
        )
    engine.dispose()
    return elapsed


def drain_worker(url: str, var_dir: str) -> int:
    """One worker process: sweep a batch, run it, until nothing is due."""
    settings = Settings(
        env="test", database_url=url, secret_key="b" * 64, var_dir=var_dir, run_jobs=False
    )
    engine = make_engine(url)
    factory = make_session_factory(engine)
    ctx = JobContext(settings, factory, FrozenClock(NOW))
    done = 0
    while True:
        with unit_of_work(factory) as session:
            ids = recovery_engine.claim_due(session, ctx.clock, BATCH)
        if not ids:
            break
        for start in range(0, len(ids), RUN_BATCH):
            runner.run_batch(ctx, ids[start : start + RUN_BATCH])
        done += len(ids)
    engine.dispose()
    return done


def drain_seconds(url: str, workers: int, var_dir: str) -> float:
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.starmap(drain_worker, [(url, var_dir)] * workers)
    elapsed = time.perf_counter() - started
    engine = create_engine(url)
    with engine.connect() as connection:
        left = connection.scalar(
            select(func.count())
            .select_from(RecoveryAttempt)
            .where(RecoveryAttempt.status != "done")
        )
    engine.dispose()
    if left:
        raise SystemExit(f"{left} attempts were not drained")
    return elapsed


def fresh_database(kind: str, tmp: str, label: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/{label}.db"
    base = make_url(
        os.environ["BENCH_POSTGRES_URL"]
        if "BENCH_POSTGRES_URL" in os.environ
        else os.environ["TINKO_TEST_DATABASE_URL"]
    ).set(drivername="postgresql+psycopg")
    name = f"bench_{label}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--issuers", type=int, default=0, help="spread the cards over this many issuers"
    )
    args = parser.parse_args(argv)
    kinds = ["sqlite"]
    if os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TINKO_TEST_DATABASE_URL"):
        kinds.append("postgresql")
    report: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for workers in args.workers:
                url = fresh_database(kind, tmp, f"{kind}_{workers}")
                upgrade(url)
                seed(url, args.count, args.issuers)
                raw = raw_update_seconds(url)
                drained = drain_seconds(url, workers, tmp)
                report.append(
                    {
                        "database": kind,
                        "workers": workers,
                        "attempts": args.count,
                        "seconds": round(drained, 2),
                        "per_second": round(args.count / drained),
                        "raw_update_seconds": round(raw, 3),
                        "ratio": round(raw / drained, 4),
                    }
                )
                sys.stderr.write(f"{report[-1]}\n")
    out = sys.stdout.write
    out(
        f"{'database':<11} {'workers':>7} {'attempts':>9} {'seconds':>8} {'per s':>7} "
        f"{'raw s':>7} {'ratio':>7}\n"
    )
    for r in report:
        out(
            f"{r['database']:<11} {r['workers']:>7} {r['attempts']:>9} {r['seconds']:>8} "
            f"{r['per_second']:>7} {r['raw_update_seconds']:>7} {r['ratio']:>7}\n"
        )
    out(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
