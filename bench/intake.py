"""Intake throughput and latency over HTTP against `tinko serve`, next to a bare endpoint.

For each database (SQLite always; PostgreSQL when BENCH_POSTGRES_URL is set, e.g. under
`scripts/with-postgres` which exports TINKO_TEST_DATABASE_URL):
  1. sustained: a closed loop of C concurrent clients for S seconds → events/s;
  2. paced: an open loop at R requests/s for S seconds → p50 / p99 latency;
for `POST /v1/events/payment_failed` (API key auth, classification, transaction upsert, event,
case) and for a bare route that does one INSERT on the same database; reports the ratio.

    .venv/bin/python bench/intake.py [--seconds 10] [--concurrency 16] [--rate 200]
    scripts/with-postgres .venv/bin/python bench/intake.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import httpx

from bench.loadgen import closed_loop, open_loop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_refs = count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    proc = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_ready(ready_url)
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def failure_body() -> dict[str, Any]:
    return {
        "transaction_ref": f"bench_{os.getpid()}_{next(_refs)}",
        "amount": 49900,
        "currency": "INR",
        "gateway": "razorpay",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "customer": {"id": "cust_bench", "email": "payer@example.in"},
        "occurred_at": datetime.now(UTC).isoformat(),
    }


def setup_tinko(base: str) -> dict[str, str]:
    """An organisation and an admin API key, through the public API."""
    response = httpx.post(
        f"{base}/v1/auth/register",
        json={
            "email": f"bench{time.time_ns()}@example.com",
            "password": "bench-Harbour-lantern-93",
            "org_name": "Bench",
        },
    )
    response.raise_for_status()
    token = response.json()["access_token"]
    key = httpx.post(
        f"{base}/v1/api-keys",
        json={"name": "bench", "role": "admin"},
        headers={"Authorization": f"Bearer {token}"},
    )
    key.raise_for_status()
    return {"X-API-Key": key.json()["key"]}


def measure(
    label: str, database_url: str, args: argparse.Namespace, var_dir: Path
) -> dict[str, Any]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TINKO_")},
        "TINKO_DATABASE_URL": database_url,
        "TINKO_VAR_DIR": str(var_dir),
        "TINKO_LOG_LEVEL": "warning",
        "TINKO_RATE_LIMITS": "register:1000/minute,login:1000/minute",
        "BENCH_DATABASE_URL": database_url,
    }
    subprocess.run(
        [PYTHON, "-m", "tinko.cli", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, Any] = {"database": label}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [PYTHON, "-m", "tinko.cli", "serve", "--port", str(port)]
    with process(serve, env, f"{base}/healthz"):
        headers = setup_tinko(base)
        results["tinko"] = run_both(
            f"{base}/v1/events/payment_failed", headers, 202, args, wait_for_planning(base, headers)
        )
    port = free_port()
    bare = [
        PYTHON,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with process(bare, env, f"http://127.0.0.1:{port}/docs"):
        results["bare"] = run_both(f"http://127.0.0.1:{port}/bare", {}, 202, args)
    results["ratio"] = results["tinko"]["per_second"] / results["bare"]["per_second"]
    return results


def run_both(
    url: str,
    headers: dict[str, str],
    ok: int,
    args: argparse.Namespace,
    settle: Callable[[], float] = lambda: 0.0,
) -> dict[str, float]:
    """Sustained rate, then paced latency; `settle` waits out deferred work in between (and
    says how long that took) so each phase starts from an idle server."""
    asyncio.run(closed_loop(url, headers, failure_body, 2, args.concurrency))  # warm-up
    settle()
    sustained = asyncio.run(
        closed_loop(url, headers, failure_body, args.seconds, args.concurrency)
    ).summary(ok)
    backlog = settle()
    paced = asyncio.run(open_loop(url, headers, failure_body, args.seconds, args.rate)).summary(ok)
    return {
        "per_second": sustained["per_second"],
        "p50_ms": paced["p50_ms"],
        "p99_ms": paced["p99_ms"],
        "errors": sustained["errors"] + paced["errors"],
        "backlog_seconds": backlog,
    }


def wait_for_planning(base: str, headers: dict[str, str]) -> Callable[[], float]:
    """Seconds until no recovery is left `pending` (each intake defers its planning to a job)."""

    def settle() -> float:
        started = time.monotonic()
        while time.monotonic() - started < 300:
            page = httpx.get(
                f"{base}/v1/recoveries",
                params={"status": "pending", "limit": 1},
                headers=headers,
                timeout=30,
            ).json()
            if not page["data"]:
                break
            time.sleep(0.2)
        return round(time.monotonic() - started, 1)

    return settle


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200)
    args = parser.parse_args(argv)
    report = []
    with tempfile.TemporaryDirectory() as tmp:
        report.append(measure("sqlite", f"sqlite:///{tmp}/bench.db", args, Path(tmp) / "var"))
        postgres = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TINKO_TEST_DATABASE_URL")
        if postgres:
            report.append(measure("postgresql", postgres, args, Path(tmp) / "var-pg"))

    def show(text: str) -> None:
        sys.stdout.write(text)

    show(
        f"{'database':<11} {'route':<6} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}\n"
    )
    for row in report:
        for route in ("tinko", "bare"):
            r = row[route]
            show(
                f"{row['database']:<11} {route:<6} {r['per_second']:>9.0f} {r['p50_ms']:>8.1f} "
                f"{r['p99_ms']:>8.1f} {r['errors']:>7.0f}\n"
            )
        show(f"{row['database']:<11} ratio  {row['ratio']:>9.2f}\n")
    show(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
