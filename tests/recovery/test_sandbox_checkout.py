from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.recovery.conftest import sandbox_failure

URL = "/v1/events/payment_failed"


def _checkout_url(client: TestClient, headers: dict[str, str], ref: str) -> str:
    client.post(
        URL,
        json=sandbox_failure(ref, "pm_sandbox_stolen", decline_code="stolen_card"),
        headers=headers,
    )
    token = client.post(f"/v1/recoveries/by_ref/{ref}/link", json={}, headers=headers).json()[
        "token"
    ]
    redirect = client.post(f"/v1/recoveries/by_token/{token}/checkout", json={"method": "upi"})
    return str(redirect.json()["redirect_url"])


def test_checkout_page_shows_the_amount_and_a_pay_button(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    page = client.get(_checkout_url(client, key_headers, "S1"))
    assert page.status_code == 200
    assert "₹499.00" in page.text
    assert "<button" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_paying_recovers_the_case_once(client: TestClient, key_headers: dict[str, str]) -> None:
    url = _checkout_url(client, key_headers, "S2")
    path = urlsplit(url).path
    first = client.post(f"{path}/pay", follow_redirects=False)
    assert first.status_code == 303
    client.post(f"{path}/pay", follow_redirects=False)  # a double click pays nothing more
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    recovery = client.get("/v1/recoveries/by_ref/S2", headers=key_headers).json()
    assert recovery["status"] == "recovered"
    events = client.get("/v1/events/by_ref/S2", headers=key_headers).json()["data"]
    assert [e["kind"] for e in events].count("payment_succeeded") == 1
    assert "nothing to pay" in client.get(path).text
