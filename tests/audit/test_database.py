"""The database's side: PostgreSQL refuses edits, and concurrent writers do not fork a chain."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.audit.conftest import events, verify
from tests.factories import Account
from tinko import audit
from tinko.db import unit_of_work


def _postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'x' WHERE org_id = :org",
        "DELETE FROM audit_event WHERE org_id = :org",
        "UPDATE audit_checkpoint SET hash = 'x' WHERE org_id = :org",
    ],
)
def test_postgres_refuses_edits(engine: Engine, busy_org: Account, sql: str) -> None:
    _postgres(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(sql), {"org": busy_org.org_id})


def test_two_writers_in_one_org_keep_one_chain(client: TestClient, busy_org: Account) -> None:
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    start = threading.Barrier(4)

    def write(n: int) -> None:
        start.wait()
        for i in range(5):
            with unit_of_work(factory) as session:
                audit.record(session, busy_org.org_id, "test.write", targets=[("n", f"{n}-{i}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(events(client, busy_org, action="test.write", limit=50)) == 20
    assert verify(client, busy_org)["ok"] is True


def test_cancel_records_the_merchant_and_the_system(client: TestClient, owner: Account) -> None:
    from tests.factories import create_api_key
    from tests.intake.conftest import failure_body

    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    failed = client.post("/v1/events/payment_failed", json=failure_body(), headers=key)
    case_id = failed.json()["recovery"]["id"]
    cancelled = client.post(f"/v1/recoveries/{case_id}/cancel", headers=key)
    assert cancelled.status_code == 200, cancelled.text
    (asked,) = events(client, owner, action="recovery.cancel")
    assert asked["actor"]["kind"] == "api_key"
    (closed,) = events(client, owner, action="recovery.cancelled")
    assert closed["actor"] == {"kind": "system", "id": "tinko"}
    assert closed["targets"] == [{"kind": "recovery", "id": case_id}]
