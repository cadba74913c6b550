from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.recovery.conftest import sandbox_failure
from tinko.kit.clock import FrozenClock

URL = "/v1/events/payment_failed"


def _link(client: TestClient, headers: dict[str, str], ref: str = "L1") -> dict:
    client.post(URL, json=sandbox_failure(ref, "pm_sandbox_insufficient_funds"), headers=headers)
    response = client.post(f"/v1/recoveries/by_ref/{ref}/link", json={}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_link_has_url_token_and_48h_expiry(
    client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    link = _link(client, key_headers)
    assert link["url"].endswith(f"/pay/{link['token']}")
    from datetime import datetime

    expires = datetime.fromisoformat(link["expires_at"])
    assert expires - clock.now() == timedelta(hours=48)


def test_payer_view_shows_only_what_the_page_needs(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    link = _link(client, key_headers)
    response = client.get(f"/v1/recoveries/by_token/{link['token']}")
    assert response.status_code == 200
    view = response.json()
    assert view["amount"] == 49900
    assert view["currency"] == "INR"
    assert view["customer_first_name"] == "Asha"
    assert view["masked_contact"] == "a***@example.in"
    assert "asha@example.in" not in response.text
    assert "upi" in view["alternates"]


def test_expired_link_is_410(
    client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    link = _link(client, key_headers)
    clock.advance(timedelta(hours=48, seconds=1))
    assert client.get(f"/v1/recoveries/by_token/{link['token']}").status_code == 410


def test_forged_token_is_404(client: TestClient, key_headers: dict[str, str]) -> None:
    link = _link(client, key_headers)
    body, _, signature = link["token"].partition(".")
    forged = f"{body[:-1]}{'A' if body[-1] != 'A' else 'B'}.{signature}"
    assert client.get(f"/v1/recoveries/by_token/{forged}").status_code == 404


def test_unknown_token_is_404(client: TestClient) -> None:
    assert client.get("/v1/recoveries/by_token/nope").status_code == 404


def test_open_is_recorded_on_the_timeline(client: TestClient, key_headers: dict[str, str]) -> None:
    link = _link(client, key_headers)
    assert client.post(f"/v1/recoveries/by_token/{link['token']}/open").status_code == 200
    timeline = client.get("/v1/recoveries/by_ref/L1", headers=key_headers).json()["timeline"]
    assert any(entry["kind"] == "link_opened" for entry in timeline)


def test_checkout_returns_a_redirect(client: TestClient, key_headers: dict[str, str]) -> None:
    link = _link(client, key_headers)
    response = client.post(
        f"/v1/recoveries/by_token/{link['token']}/checkout", json={"method": "upi"}
    )
    assert response.status_code == 200
    assert response.json()["redirect_url"].startswith("http")


def test_link_for_a_closed_recovery_is_409(client: TestClient, key_headers: dict[str, str]) -> None:
    client.post(
        URL, json=sandbox_failure("L2", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    case_id = client.get("/v1/recoveries/by_ref/L2", headers=key_headers).json()["id"]
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    response = client.post("/v1/recoveries/by_ref/L2/link", json={}, headers=key_headers)
    assert response.status_code == 409


def test_view_of_a_recovered_case_says_so(client: TestClient, key_headers: dict[str, str]) -> None:
    link = _link(client, key_headers, "L3")
    case_id = client.get("/v1/recoveries/by_ref/L3", headers=key_headers).json()["id"]
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    view = client.get(f"/v1/recoveries/by_token/{link['token']}").json()
    assert view["status"] == "cancelled"


def test_a_link_asked_for_on_a_channel_is_the_link_sent(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    client.post(
        URL, json=sandbox_failure("L5", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    response = client.post(
        "/v1/recoveries/by_ref/L5/link", json={"channel": "email"}, headers=key_headers
    )
    assert response.status_code == 201, response.text
    link = response.json()
    client.app.state.runner.drain()  # type: ignore[attr-defined]

    assert link["message"]["status"] in ("queued", "sent", "outbox")
    sent = client.get(f"/v1/notifications/{link['message']['id']}", headers=key_headers)
    assert sent.status_code == 200, sent.text
    assert link["url"] in sent.text


def test_a_link_on_a_channel_the_customer_cannot_get_says_so(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    client.post(
        URL, json=sandbox_failure("L6", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    response = client.post(
        "/v1/recoveries/by_ref/L6/link", json={"channel": "sms"}, headers=key_headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["message"]["id"] is None
    assert response.json()["message"]["status"] == "skipped"


def test_a_link_without_a_channel_sends_nothing(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    assert _link(client, key_headers).get("message") is None
