"""`/console/settings`: everyone reads the organisation's profile; admins change it through the
API's schema and service (the same refusals), with CSRF, and every change is audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, invite_and_join, register

GOOD = {
    "name": "Kaveri Books",
    "timezone": "Asia/Kolkata",
    "default_currency": "INR",
    "locale": "ta",
    "holdout_percent": "10",
}


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri")


def _save(client: TestClient, csrf: str, **changes: str) -> object:
    data = {"csrf": csrf, **GOOD, **changes}
    return client.post("/console/settings/org", data=data, follow_redirects=False)


def test_admin_saves_what_the_api_reads(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = _save(client, csrf)
    assert getattr(answer, "status_code", None) == 303
    org = client.get("/v1/auth/org", headers=owner.headers).json()
    assert (org["timezone"], org["holdout_percent"], org["locale"]) == ("Asia/Kolkata", 10, "ta")


@pytest.mark.parametrize(
    ("field", "value"),
    [("holdout_percent", "51"), ("holdout_percent", "lots"), ("timezone", "Mars/Base")],
)
def test_bad_value_is_422_beside_its_field(
    client: TestClient, owner: Account, field: str, value: str
) -> None:
    csrf = sign_in(client, owner.email)
    answer = client.post("/console/settings/org", data={"csrf": csrf, **GOOD, field: value})
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    assert client.get("/v1/auth/org", headers=owner.headers).json()["name"] == "Kaveri"


def test_change_is_audited_with_its_diff(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    _save(client, csrf)
    params = {"action": "organization.updated"}
    (event,) = client.get("/v1/audit", params=params, headers=owner.headers).json()["data"]
    assert event["changes"]["after"]["holdout_percent"] == 10
    assert event["actor"] == {"kind": "user", "id": owner.user_id}


def test_without_csrf_nothing_changes(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    assert getattr(_save(client, "wrong"), "status_code", None) == 403
    assert client.get("/v1/auth/org", headers=owner.headers).json()["holdout_percent"] == 0


def test_viewer_reads_but_cannot_save(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, viewer.email)
    page = client.get("/console/settings").text
    assert "Save settings" not in page
    assert "readonly" in page
    assert getattr(_save(client, csrf), "status_code", None) == 403
    assert client.get("/v1/auth/org", headers=owner.headers).json()["holdout_percent"] == 0
