"""Audit log: append throughput (10 events per transaction, one org, so every append waits for
the org's head-row lock) and verification speed.

    .venv/bin/python -m bench.audit                         # SQLite in a temporary file
    scripts/with-postgres .venv/bin/python -m bench.audit   # PostgreSQL
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from tinko.audit import record, service, writer
from tinko.config import Settings
from tinko.db import make_engine, make_session_factory, unit_of_work
from tinko.kit.clock import SystemClock
from tinko.migrate import upgrade

EVENTS = 5000
PER_TRANSACTION = 10


def main() -> None:
    url = os.environ.get("TINKO_TEST_DATABASE_URL") or (
        f"sqlite:///{tempfile.mkdtemp()}/bench-audit.db"
    )
    upgrade(url)
    settings = Settings(env="test", database_url=url, secret_key="b" * 40)
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    signer = writer.install(factory, settings, SystemClock())
    org = f"org_bench_{time.time_ns()}"
    started = time.perf_counter()
    for i in range(EVENTS // PER_TRANSACTION):
        with unit_of_work(factory) as session:
            for j in range(PER_TRANSACTION):
                changes = {"before": {"n": i}, "after": {"n": j}}
                record(session, org, "bench.write", targets=[("n", str(i))], changes=changes)
    wrote = time.perf_counter() - started
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        verdict = service.verify_org(session, signer.public_keys(), org)
    checked = time.perf_counter() - started
    engine.dispose()
    result = {
        "database": engine.dialect.name,
        "appended_per_second": round(EVENTS / wrote),
        "verified_per_second": round(verdict.checked / checked),
        "checkpoints": verdict.checkpoints,
        "ok": verdict.ok,
    }
    print(json.dumps(result))  # noqa: T201


if __name__ == "__main__":
    main()
