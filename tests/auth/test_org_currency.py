from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import register


def test_org_default_currency_must_be_money(client: TestClient) -> None:
    owner = register(client)
    response = client.patch("/v1/auth/org", json={"default_currency": "XTS"}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "default_currency"]
