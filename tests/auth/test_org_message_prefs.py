"""PATCH /v1/auth/org accepts the message settings within their ranges and GET returns them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import register

PREFS = {
    "quiet_start_hour": 22,
    "quiet_end_hour": 6,
    "frequency_cap": 5,
    "link_ttl_hours": 72,
    "use_customer_timezone": False,
}


def test_new_org_has_the_former_constants_as_its_message_settings(client: TestClient) -> None:
    owner = register(client)
    org = client.get("/v1/auth/org", headers=owner.headers).json()
    assert {k: org[k] for k in PREFS} == {
        "quiet_start_hour": 21,
        "quiet_end_hour": 8,
        "frequency_cap": 3,
        "link_ttl_hours": 48,
        "use_customer_timezone": True,
    }


def test_changed_message_settings_are_read_back(client: TestClient) -> None:
    owner = register(client)
    assert client.patch("/v1/auth/org", json=PREFS, headers=owner.headers).status_code == 200
    org = client.get("/v1/auth/org", headers=owner.headers).json()
    assert {k: org[k] for k in PREFS} == PREFS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quiet_start_hour", 24),
        ("quiet_end_hour", -1),
        ("frequency_cap", 0),
        ("frequency_cap", 11),
        ("link_ttl_hours", 0),
        ("link_ttl_hours", 721),
        ("use_customer_timezone", "maybe"),
    ],
)
def test_out_of_range_setting_is_refused_naming_the_field(
    client: TestClient, field: str, value: object
) -> None:
    owner = register(client)
    response = client.patch("/v1/auth/org", json={field: value}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]
