"""A case we stopped working on can still be paid through its last link: the payment recovers it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.recovery.conftest import Engine, sandbox_failure

URL = "/v1/events/payment_failed"


def test_paying_an_exhausted_case_through_its_link_recovers_it(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    body = sandbox_failure("late-pay", "pm_sandbox_stolen_late", decline_code="stolen_card")
    client.post(URL, json=body, headers=key_headers)
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=6))
    assert client.get("/v1/recoveries/by_ref/late-pay", headers=key_headers).json()["status"] == (
        "exhausted"
    )
    fresh = client.post("/v1/recoveries/by_ref/late-pay/link", json={}, headers=key_headers)
    assert fresh.status_code == 201
    redirect = client.post(
        f"/v1/recoveries/by_token/{fresh.json()['token']}/checkout", json={"method": "upi"}
    )
    assert redirect.status_code == 200, redirect.text
    paid = client.post(
        f"{urlsplit(redirect.json()['redirect_url']).path}/pay", follow_redirects=False
    )
    assert paid.status_code == 303
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    recovery = client.get("/v1/recoveries/by_ref/late-pay", headers=key_headers).json()
    assert recovery["status"] == "recovered"
