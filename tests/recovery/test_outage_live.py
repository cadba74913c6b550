"""The live runner: a retry that meets an issuer outage keeps the case's category."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.recovery.conftest import Engine, sandbox_failure
from tinko.recovery.transient import transient_wait

URL = "/v1/events/payment_failed"


def _recovery(client: TestClient, headers: dict[str, str], ref: str) -> dict:
    client.app.state.runner.drain()  # type: ignore[attr-defined]  # let planning jobs finish
    response = client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_funds_case_stays_a_funds_case_after_its_retry_meets_an_outage(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    client.post(URL, json=sandbox_failure("o1", "pm_sandbox_issuer_down"), headers=key_headers)
    planned = datetime.fromisoformat(_recovery(client, key_headers, "o1")["next_action_at"])
    scheduler.clock.set(planned.astimezone(UTC))
    scheduler.sweep()
    full = _recovery(client, key_headers, "o1")
    assert full["classification"]["category"] == "insufficient_funds"


def test_the_retry_after_an_outage_comes_after_the_outage_backoff(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    client.post(URL, json=sandbox_failure("o2", "pm_sandbox_issuer_down"), headers=key_headers)
    planned = datetime.fromisoformat(_recovery(client, key_headers, "o2")["next_action_at"])
    scheduler.clock.set(planned.astimezone(UTC))
    scheduler.sweep()
    after = datetime.fromisoformat(_recovery(client, key_headers, "o2")["next_action_at"])
    assert after - planned <= transient_wait(1) + timedelta(minutes=1)
