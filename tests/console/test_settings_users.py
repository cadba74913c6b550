"""`/console/settings/users`: everyone reads the members; owners invite, change roles and
remove through the same services as `/v1/users` (same refusals), with CSRF; the last owner
stays, and the page says why."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, invite_and_join, register

HOME = "/console/settings/users"


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri")


def _roles(client: TestClient, owner: Account) -> dict[str, str]:
    rows = client.get("/v1/users", headers=owner.headers).json()["data"]
    return {row["email"]: row["role"] for row in rows}


def test_owner_invites_a_member_the_api_lists(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    data = {"csrf": csrf, "email": "meena@example.com", "role": "admin", "name": "Meena"}
    answer = client.post(HOME, data=data, follow_redirects=False)
    assert answer.status_code == 303
    assert _roles(client, owner)["meena@example.com"] == "admin"


def test_bad_email_is_422_beside_its_field(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = client.post(HOME, data={"csrf": csrf, "email": "not-an-address", "role": "viewer"})
    assert answer.status_code == 422
    assert 'id="email-error"' in answer.text


def test_invite_without_csrf_changes_nothing(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = client.post(HOME, data={"csrf": "wrong", "email": "x@example.com", "role": "viewer"})
    assert answer.status_code == 403
    assert "x@example.com" not in _roles(client, owner)


def test_owner_changes_a_role(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, owner.email)
    path = f"{HOME}/{viewer.user_id}/role"
    client.post(path, data={"csrf": csrf, "role": "admin"}, follow_redirects=False)
    assert _roles(client, owner)[viewer.email] == "admin"


def test_last_owner_cannot_step_down(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = client.post(f"{HOME}/{owner.user_id}/role", data={"csrf": csrf, "role": "viewer"})
    assert answer.status_code == 409
    assert "at least one owner" in answer.text
    assert _roles(client, owner)[owner.email] == "owner"


def test_last_owner_cannot_be_removed(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = client.post(f"{HOME}/{owner.user_id}/remove", data={"csrf": csrf})
    assert answer.status_code == 409
    assert f'id="problem-{owner.user_id}"' in answer.text


def test_owner_removes_a_member(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, owner.email)
    client.post(f"{HOME}/{viewer.user_id}/remove", data={"csrf": csrf}, follow_redirects=False)
    assert viewer.email not in _roles(client, owner)


def test_other_orgs_member_is_404(client: TestClient, owner: Account) -> None:
    stranger = register(client, org_name="Elsewhere")
    csrf = sign_in(client, owner.email)
    answer = client.post(f"{HOME}/{stranger.user_id}/remove", data={"csrf": csrf})
    assert answer.status_code == 404


def test_viewer_reads_without_controls(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    page = client.get(HOME).text
    assert owner.email in page
    assert "Send invitation" not in page
    assert f"/{owner.user_id}/remove" not in page


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_non_owner_post_is_403(client: TestClient, owner: Account, role: str) -> None:
    member = invite_and_join(client, owner, role)
    csrf = sign_in(client, member.email)
    data = {"csrf": csrf, "email": "sneak@example.com", "role": "owner"}
    assert client.post(HOME, data=data).status_code == 403
    assert "sneak@example.com" not in _roles(client, owner)


def test_settings_page_links_here(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    assert f'href="{HOME}"' in client.get("/console/settings").text
