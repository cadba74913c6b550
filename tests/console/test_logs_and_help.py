"""The console's Messages, Developers and Help pages: one organisation's rows, filters with
errors beside the field, payloads for admins only, every language."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, create_api_key, invite_and_join, register
from tests.intake import psp
from tests.recovery.conftest import sandbox_failure


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


@pytest.fixture
def key(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


@pytest.fixture
def sent(client: TestClient, key: dict[str, str]) -> str:
    body = sandbox_failure("ord_msg", "pm_sandbox_insufficient_funds")
    client.post("/v1/events/payment_failed", json=body, headers=key)
    link = client.post("/v1/recoveries/by_ref/ord_msg/link", json={"channel": "email"}, headers=key)
    assert link.json()["message"]["status"] == "queued", link.text
    return str(link.json()["message"]["id"])


@pytest.fixture
def endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    return dict(
        client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers).json()
    )


_EVENT = psp.stripe_event(
    "payment_intent.payment_failed",
    psp.stripe_payment_intent_failed("pi_dev_1"),
    created=1_793_000_000,
    event_id="evt_dev_1",
)


def _deliver(client: TestClient, endpoint: dict[str, Any], secret: str | None = None) -> None:
    body = _EVENT
    headers = psp.stripe_headers(body, secret or endpoint["secret"])
    client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)


def test_messages_page_lists_the_delivery_log(
    client: TestClient, owner: Account, sent: str
) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/messages")
    assert page.status_code == 200
    assert "a***@example.in" in page.text
    assert "asha@example.in" not in page.text


def test_messages_filter_by_channel(client: TestClient, owner: Account, sent: str) -> None:
    sign_in(client, owner.email)
    assert "a***@example.in" not in client.get("/console/messages?channel=sms").text


def test_messages_bad_filter_shows_error_beside_field(
    client: TestClient, owner: Account, sent: str
) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/messages?status=bogus")
    assert page.status_code == 200
    assert 'id="status-error"' in page.text
    assert "a***@example.in" in page.text


def test_messages_of_another_org_are_not_shown(
    client: TestClient, owner: Account, sent: str
) -> None:
    other = register(client, org_name="Other")
    sign_in(client, other.email)
    assert "a***@example.in" not in client.get("/console/messages").text


def test_developers_page_shows_calls_keys_urls_and_webhook_outcomes(
    client: TestClient, owner: Account, key: dict[str, str], endpoint: dict[str, Any]
) -> None:
    client.get("/v1/recoveries", headers=key)
    _deliver(client, endpoint)
    _deliver(client, endpoint)
    _deliver(client, endpoint, secret="whsec_wrong")
    sign_in(client, owner.email)
    page = client.get("/console/developers").text
    assert "GET /v1/recoveries" in page
    assert f"/v1/webhooks/stripe/{endpoint['id']}" in page
    assert "Last used" in page
    for outcome in ("Accepted", "Duplicate", "Bad signature"):
        assert outcome in page
    assert "/v1/events/payment_failed" in page  # the example request


def test_admin_opens_a_webhook_payload(
    client: TestClient, owner: Account, endpoint: dict[str, Any]
) -> None:
    _deliver(client, endpoint)
    sign_in(client, owner.email)
    page = client.get("/console/developers").text
    start = page.index("/console/developers/webhooks/")
    href = page[start : page.index('"', start)]
    payload = client.get(href)
    assert payload.status_code == 200
    assert "pi_dev_1" in payload.text


def test_viewer_cannot_open_payloads(
    client: TestClient, owner: Account, endpoint: dict[str, Any]
) -> None:
    _deliver(client, endpoint)
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    page = client.get("/console/developers").text
    assert "/console/developers/webhooks/" not in page
    assert f"/v1/webhooks/stripe/{endpoint['id']}" not in page


def test_another_orgs_payload_is_404(
    client: TestClient, owner: Account, endpoint: dict[str, Any]
) -> None:
    _deliver(client, endpoint)
    sign_in(client, owner.email)
    page = client.get("/console/developers").text
    start = page.index("/console/developers/webhooks/")
    href = page[start : page.index('"', start)]
    other = register(client, org_name="Other")
    client.cookies.clear()
    sign_in(client, other.email)
    assert client.get(href).status_code == 404
    assert "pi_dev_1" not in client.get("/console/developers").text


@pytest.mark.parametrize("language", ["en", "hi", "ta"])
def test_help_page_in_each_language(client: TestClient, owner: Account, language: str) -> None:
    sign_in(client, owner.email)
    page = client.get(f"/console/help?lang={language}")
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert page.text.count("<details>") >= 5
