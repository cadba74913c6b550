"""The audit log: what is recorded, by whom, with what diff and outcome."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.audit.conftest import events
from tests.factories import Account
from tests.tenancy.world import RETRY_POLICY_BODY


def test_policy_change_is_recorded_with_its_diff(client: TestClient, busy_org: Account) -> None:
    found = events(client, busy_org, action="retry_policy.updated")
    newest = found[0]
    assert newest["changes"]["before"]["max_attempts"] == 2
    assert newest["changes"]["after"]["max_attempts"] == 4
    assert newest["actor"] == {"kind": "user", "id": busy_org.user_id}
    assert newest["outcome"] == "allowed"
    assert newest["request_id"]
    assert newest["user_agent"] == "testclient"


def test_created_policy_is_recorded_in_full(client: TestClient, busy_org: Account) -> None:
    (created,) = events(client, busy_org, action="retry_policy.created")
    assert created["changes"]["before"] is None
    assert created["changes"]["after"]["name"] == RETRY_POLICY_BODY["name"]


def test_forbidden_call_is_recorded_as_denied(
    client: TestClient, owner: Account, viewer: Account
) -> None:
    refused = client.post("/v1/retry-policies", json=RETRY_POLICY_BODY, headers=viewer.headers)
    assert refused.status_code == 403
    (denied,) = events(client, owner, action="access.denied")
    assert denied["outcome"] == "denied"
    assert denied["actor"] == {"kind": "user", "id": viewer.user_id}
    assert denied["targets"] == [{"kind": "route", "id": "POST /v1/retry-policies"}]


def test_failed_sign_in_is_recorded(client: TestClient, owner: Account) -> None:
    wrong = client.post("/v1/auth/login", json={"email": owner.email, "password": "nope-nope-1"})
    assert wrong.status_code == 401
    (failed,) = events(client, owner, action="auth.sign_in_failed")
    assert failed["outcome"] == "denied"
    assert failed["targets"] == [{"kind": "user", "id": owner.user_id}]


def test_api_key_secret_is_masked(client: TestClient, owner: Account) -> None:
    made = client.post("/v1/api-keys", json={"name": "ci", "role": "admin"}, headers=owner.headers)
    assert made.status_code == 201, made.text
    (created,) = events(client, owner, action="api_key.created")
    assert created["changes"]["after"]["key_digest"] == "[masked]"
    assert made.json()["key"] not in str(created)


def test_action_filter_takes_a_prefix(client: TestClient, busy_org: Account) -> None:
    found = events(client, busy_org, action="retry_policy.*")
    assert {e["action"] for e in found} == {"retry_policy.created", "retry_policy.updated"}


def test_pages_follow_the_cursor(client: TestClient, busy_org: Account) -> None:
    first = client.get("/v1/audit", params={"limit": 2}, headers=busy_org.headers).json()
    second = client.get(
        "/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}, headers=busy_org.headers
    ).json()
    seqs = [e["seq"] for e in first["data"] + second["data"]]
    assert seqs == sorted(seqs, reverse=True)
    assert len(set(seqs)) == len(seqs)


def test_viewer_may_not_read_the_log(client: TestClient, viewer: Account) -> None:
    assert client.get("/v1/audit", headers=viewer.headers).status_code == 403


def test_export_is_recorded(client: TestClient, busy_org: Account) -> None:
    exported = client.get("/v1/audit/export.jsonl", headers=busy_org.headers)
    assert exported.status_code == 200
    assert events(client, busy_org, action="audit.exported")


def test_holdout_change_is_recorded(client: TestClient, owner: Account) -> None:
    patched = client.patch("/v1/auth/org", json={"holdout_percent": 10}, headers=owner.headers)
    assert patched.status_code == 200, patched.text
    (changed,) = events(client, owner, action="organization.updated")
    assert changed["changes"] == {
        "before": {"holdout_percent": 0},
        "after": {"holdout_percent": 10},
    }
    assert changed["targets"] == [{"kind": "organization", "id": owner.org_id}]
