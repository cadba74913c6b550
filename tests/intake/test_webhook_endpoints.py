from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account, invite_and_join
from tinko.intake.models import WebhookEndpoint


def test_create_shows_the_secret_once(client: TestClient, owner: Account) -> None:
    response = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers)
    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["url"].endswith(f"/v1/webhooks/stripe/{created['id']}")
    listed = client.get("/v1/webhook-endpoints", headers=owner.headers).json()["data"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]


def test_secret_is_encrypted_at_rest(client: TestClient, app: FastAPI, owner: Account) -> None:
    created = client.post(
        "/v1/webhook-endpoints", json={"psp": "razorpay"}, headers=owner.headers
    ).json()
    with app.state.session_factory() as session:
        stored = session.scalars(select(WebhookEndpoint)).one()
    assert created["secret"] not in stored.secret_ciphertext
    assert app.state.secret_box.decrypt(stored.secret_ciphertext) == created["secret"]


def test_unknown_psp_is_422(client: TestClient, owner: Account) -> None:
    response = client.post("/v1/webhook-endpoints", json={"psp": "paypal"}, headers=owner.headers)
    assert response.status_code == 422


def test_viewer_cannot_manage_endpoints(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    response = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=viewer.headers)
    assert response.status_code == 403


def test_rotate_issues_a_new_secret(client: TestClient, owner: Account) -> None:
    created = client.post(
        "/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers
    ).json()
    rotated = client.post(
        f"/v1/webhook-endpoints/{created['id']}/rotate", headers=owner.headers
    ).json()
    assert rotated["secret"] != created["secret"]
    assert rotated["id"] == created["id"]


def test_delete_endpoint(client: TestClient, owner: Account) -> None:
    created = client.post(
        "/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers
    ).json()
    assert (
        client.delete(f"/v1/webhook-endpoints/{created['id']}", headers=owner.headers).status_code
        == 204
    )
    assert client.get("/v1/webhook-endpoints", headers=owner.headers).json()["data"] == []
