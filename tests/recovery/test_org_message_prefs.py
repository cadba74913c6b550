"""The engine plans with the org's message settings: with `use_customer_timezone` off, on the
merchant's clock; messages of built-in policies keep the org's quiet hours."""

from __future__ import annotations

from datetime import datetime, time

from fastapi.testclient import TestClient

from tests.factories import Account
from tests.recovery.conftest import sandbox_failure
from tinko.policies.windows import zone

URL = "/v1/events/payment_failed"
CUSTOMER = {"email": "asha@example.in", "name": "Asha Rao", "timezone": "America/Los_Angeles"}


def _first_retry_local_time(client: TestClient, headers: dict[str, str], where: str) -> time:
    body = sandbox_failure("tz1", "pm_sandbox_insufficient_funds", customer=CUSTOMER)
    assert client.post(URL, json=body, headers=headers).status_code == 202
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    recovery = client.get("/v1/recoveries/by_ref/tz1", headers=headers).json()
    [retry] = [a for a in recovery["attempts"] if a["kind"] == "psp_retry"]
    return datetime.fromisoformat(retry["scheduled_for"]).astimezone(zone(where)).time()


def test_with_the_customers_zone_turned_off_the_merchants_zone_is_used(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    patched = client.patch(
        "/v1/auth/org", json={"use_customer_timezone": False}, headers=owner.headers
    )
    assert patched.status_code == 200, patched.text
    assert _first_retry_local_time(client, key_headers, "Asia/Kolkata") == time(9)


def test_a_planned_message_waits_for_the_end_of_the_orgs_quiet_hours(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    # The failure arrives at 15:00 in Kolkata, inside the org's quiet hours of 14-18.
    patched = client.patch(
        "/v1/auth/org", json={"quiet_start_hour": 14, "quiet_end_hour": 18}, headers=owner.headers
    )
    assert patched.status_code == 200, patched.text
    body = sandbox_failure("q1", "pm_sandbox_stolen", decline_code="stolen_card")
    assert client.post(URL, json=body, headers=key_headers).status_code == 202
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    recovery = client.get("/v1/recoveries/by_ref/q1", headers=key_headers).json()
    [message] = [a for a in recovery["attempts"] if a["kind"] == "notification"]
    local = datetime.fromisoformat(message["scheduled_for"]).astimezone(zone("Asia/Kolkata"))
    assert local.time() == time(18)
