"""On PostgreSQL the server writes the export (analytics.pgexport); it must be cell for cell
what Python writes from the same rows (analytics.export), formula quoting, empty cells, times
and a second currency included. On SQLite both are the Python path."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.analytics.conftest import fail
from tests.conftest import START
from tests.factories import Account
from tinko.analytics import export
from tinko.analytics.definitions import Filters, parse_period
from tinko.analytics.queries import Scope
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.simulate.history import fill_history


@pytest.fixture
def scope(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    settings: Settings,
    owner: Account,
    key_headers: dict[str, str],
) -> Scope:
    client.patch("/v1/auth/org", json={"holdout_percent": 20}, headers=owner.headers)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, owner.org_id, failures=200)
    at = START - timedelta(hours=1)
    fail(client, key_headers, "=HYPERLINK(1)", at, currency="USD", amount=1500)
    fail(client, key_headers, 'a,"quoted"ref', at)
    app.state.runner.drain()
    now = clock.now()
    return Scope(owner.org_id, parse_period("90d", None, None, "Asia/Kolkata", now), Filters(), now)


def test_csv_is_what_python_writes(app: FastAPI, scope: Scope) -> None:
    factory = app.state.read_session_factory
    served = "".join(export.csv_stream(factory, scope))
    header = ",".join(export.columns(scope)) + "\n"
    assert served == header + "".join(export.python_csv_body(factory, scope))
    assert served.count("\n") > 200


def test_jsonl_is_what_python_writes(app: FastAPI, scope: Scope) -> None:
    factory = app.state.read_session_factory
    served = [
        json.loads(line) for line in "".join(export.jsonl_stream(factory, scope)).splitlines()
    ]
    assert served == [
        json.loads(line) for line in "".join(export.python_jsonl(factory, scope)).splitlines()
    ]
    assert len(served) > 200
