"""`/console/settings/api-keys`: the list never holds a key; owners make one (the key is in
that answer only) and revoke after a confirmation, through `/v1/api-keys`'s services."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, invite_and_join, register

HOME = "/console/settings/api-keys"
SECRET = re.compile(r'<code id="secret-value" data-key="([^"]+)">([^<]+)</code>')


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri")


def _make(client: TestClient, csrf: str, name: str = "Shop server") -> tuple[str, str]:
    answer = client.post(HOME, data={"csrf": csrf, "name": name, "role": "admin"})
    assert answer.status_code == 200, answer.text
    found = SECRET.search(answer.text)
    assert found
    return found.group(1), found.group(2)


def test_made_key_works_with_the_api(client: TestClient, owner: Account) -> None:
    _, raw = _make(client, sign_in(client, owner.email))
    assert client.get("/v1/auth/me", headers={"X-API-Key": raw}).status_code == 200


def test_key_is_shown_once(client: TestClient, owner: Account) -> None:
    _, raw = _make(client, sign_in(client, owner.email))
    assert raw not in client.get(HOME).text


def test_blank_name_is_422_beside_its_field(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = client.post(HOME, data={"csrf": csrf, "name": " ", "role": "admin"})
    assert answer.status_code == 422
    assert 'id="name-error"' in answer.text


def test_make_without_csrf_is_403(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = client.post(HOME, data={"csrf": "wrong", "name": "x", "role": "admin"})
    assert answer.status_code == 403
    assert client.get("/v1/api-keys", headers=owner.headers).json()["data"] == []


def test_revoke_asks_first(client: TestClient, owner: Account) -> None:
    key_id, _ = _make(client, sign_in(client, owner.email))
    page = client.get(f"{HOME}/{key_id}/revoke")
    assert "Yes, revoke the key" in page.text


def test_revoked_key_is_refused(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    key_id, raw = _make(client, csrf)
    client.post(f"{HOME}/{key_id}/revoke", data={"csrf": csrf}, follow_redirects=False)
    assert client.get("/v1/auth/me", headers={"X-API-Key": raw}).status_code == 401


def test_other_orgs_key_is_404(client: TestClient, owner: Account) -> None:
    stranger = register(client, org_name="Elsewhere")
    made = client.post("/v1/api-keys", json={"name": "theirs"}, headers=stranger.headers)
    csrf = sign_in(client, owner.email)
    answer = client.post(f"{HOME}/{made.json()['id']}/revoke", data={"csrf": csrf})
    assert answer.status_code == 404


def test_viewer_reads_without_controls(client: TestClient, owner: Account) -> None:
    client.post("/v1/api-keys", json={"name": "Shop server"}, headers=owner.headers)
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, viewer.email)
    page = client.get(HOME).text
    assert "Shop server" in page
    assert "Make key" not in page
    assert client.post(HOME, data={"csrf": csrf, "name": "x"}).status_code == 403
