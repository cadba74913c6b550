"""The console settings page's message settings go through the API's schema and service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, register

PROFILE = {
    "name": "Kaveri Books",
    "timezone": "Asia/Kolkata",
    "default_currency": "INR",
    "locale": "en",
    "holdout_percent": "0",
}
MESSAGES = {
    "quiet_start_hour": "22",
    "quiet_end_hour": "7",
    "frequency_cap": "2",
    "link_ttl_hours": "24",
    "use_customer_timezone": "no",
}


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri")


def test_page_shows_the_current_message_settings(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/settings").text
    assert 'name="frequency_cap" type="text" value="3"' in page
    assert '<option value="yes" selected>' in page


def test_admin_saves_message_settings_that_the_api_reads(
    client: TestClient, owner: Account
) -> None:
    csrf = sign_in(client, owner.email)
    data = {"csrf": csrf, **PROFILE, **MESSAGES}
    answer = client.post("/console/settings/org", data=data, follow_redirects=False)
    assert answer.status_code == 303
    org = client.get("/v1/auth/org", headers=owner.headers).json()
    got = [org[k] for k in MESSAGES]
    assert got == [22, 7, 2, 24, False]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quiet_start_hour", "24"),
        ("frequency_cap", "0"),
        ("link_ttl_hours", "9999"),
        ("use_customer_timezone", "maybe"),
    ],
)
def test_bad_message_setting_is_422_beside_its_field(
    client: TestClient, owner: Account, field: str, value: str
) -> None:
    csrf = sign_in(client, owner.email)
    data = {"csrf": csrf, **PROFILE, **MESSAGES, field: value}
    answer = client.post("/console/settings/org", data=data)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    assert client.get("/v1/auth/org", headers=owner.headers).json()["frequency_cap"] == 3
