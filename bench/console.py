"""The console's weight and speed: bytes each page costs a browser (gzip-compressed, the page
and every script and stylesheet it loads) and the server's time per page (p50/p95), on the
demo's 90 days of simulated history.

Budgets (issue #15): the dashboard at most 150 KB with the chart library, other pages at most
50 KB; server time p95 under 200 ms. Requests go through the real app (cookies, CSRF).

    .venv/bin/python -m bench.console [--runs 30] [--failures N]
    scripts/with-postgres .venv/bin/python -m bench.console   # adds PostgreSQL
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from bench.scheduler import fresh_database
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.main import create_app
from tinko.migrate import upgrade
from tinko.simulate.history import fill_history

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
PASSWORD = "velvet-Harbour-lantern-93"
BUDGET_KB = {"dashboard": 150, "other": 50}
PAGES = {
    "login": "/console/login",
    "signup": "/console/signup",
    "dashboard 7d": "/console/?period=7d",
    "dashboard 30d": "/console/?period=30d",
    "dashboard 90d": "/console/?period=90d",
    "dashboard refresh 30d": "/console/dashboard/data?period=30d",
    "recoveries": "/console/recoveries",
    "recoveries filtered": "/console/recoveries?status=exhausted&rail=card&amount_min=100",
    "recoveries search": "/console/recoveries?q=@example",
    "messages": "/console/messages",
    "developers": "/console/developers",
    "help": "/console/help",
}
CASE_LINK = re.compile(r'href="(/console/recoveries/rec_[^"/]+)"')
LOADED = re.compile(r'<(?:link|script)[^>]+(?:href|src)="(/[^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def gzipped(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


def weight(client: TestClient, path: str) -> dict[str, int]:
    """Compressed bytes of the page and of each asset it loads (first visit, empty cache)."""
    page = client.get(path)
    sizes = {"page": gzipped(page.content)}
    for asset in LOADED.findall(page.text):
        sizes[asset.rsplit("/", 1)[-1]] = gzipped(client.get(asset).content)
    return sizes


def timing(client: TestClient, path: str, runs: int) -> dict[str, float]:
    client.get(path)  # warm: templates compiled, caches filled
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - began)
        assert answer.status_code == 200, (path, answer.status_code)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return {"p50_ms": round(1000 * statistics.median(seconds), 1), "p95_ms": round(1000 * p95, 1)}


def sign_in(client: TestClient, email: str) -> None:
    page = client.get("/console/login")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    data = {"csrf": csrf.group(1), "email": email, "password": PASSWORD}
    answer = client.post("/console/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def run(kind: str, tmp: str, args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database(kind, tmp, f"console_{kind}")
    upgrade(url)
    settings = Settings(
        env="test", database_url=url, secret_key="c" * 40, var_dir=f"{tmp}/var", run_jobs=False
    )
    app = create_app(settings, clock=FrozenClock(NOW))
    result: dict[str, Any] = {"database": kind, "pages": {}}
    with TestClient(app) as client:
        body = {"email": "owner@bench.example", "password": PASSWORD, "org_name": "Bench"}
        owner = client.post("/v1/auth/register", json=body).json()
        headers = {"Authorization": f"Bearer {owner['access_token']}"}
        patch = {"timezone": "Asia/Kolkata", "holdout_percent": 5, "default_currency": "INR"}
        client.patch("/v1/auth/org", json=patch, headers=headers)
        with unit_of_work(app.state.session_factory) as session:
            report = fill_history(
                session, app.state.clock, settings, owner["org"]["id"], failures=args.failures
            )
        result["failures"] = report.failures
        anonymous = TestClient(app)
        sign_in(client, body["email"])
        case = CASE_LINK.search(client.get("/console/recoveries").text)
        assert case is not None, "the demo history has no recovery"
        for name, path in {**PAGES, "case": case.group(1)}.items():
            who = anonymous if name in ("login", "signup") else client
            sizes = weight(who, path)
            total = sum(sizes.values())
            budget = BUDGET_KB["dashboard" if name.startswith("dashboard") else "other"]
            result["pages"][name] = {
                **timing(who, path, args.runs),
                "gzip_bytes": sizes,
                "gzip_total_kb": round(total / 1024, 1),
                "budget_kb": budget,
                "within_budget": total <= budget * 1024,
            }
            sys.stderr.write(f"  {kind} {name}: {result['pages'][name]}\n")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--failures", type=int, default=None, help="default: the demo's")
    args = parser.parse_args(argv)
    kinds = ["sqlite"]
    if os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TINKO_TEST_DATABASE_URL"):
        kinds.append("postgresql")
    with tempfile.TemporaryDirectory() as tmp:
        report = [run(kind, tmp, args) for kind in kinds]
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
