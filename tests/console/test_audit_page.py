"""`/console/audit`: admins see the log with filters, pages, each change's before and after,
the chain's verification, the export (itself recorded) and the signed checkpoints."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.audit.conftest import busy_org, events, tamper  # noqa: F401 - fixtures
from tests.console.conftest import sign_in
from tests.factories import Account, invite_and_join, register


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


def test_policy_change_shows_its_diff(client: TestClient, busy_org: Account) -> None:  # noqa: F811
    sign_in(client, busy_org.email)
    page = client.get("/console/audit?action=retry_policy.updated").text
    assert "<code>retry_policy.updated</code>" in page
    assert "<code>max_attempts</code></th><td><code>2</code></td><td><code>4</code>" in page


def test_secrets_are_masked(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/audit?action=user.*").text
    assert "[masked]" in page
    assert "argon2" not in page


def test_action_filter_leaves_others_out(client: TestClient, busy_org: Account) -> None:  # noqa: F811
    sign_in(client, busy_org.email)
    page = client.get("/console/audit?action=retry_policy.created").text
    assert "<code>retry_policy.created</code>" in page
    assert "<code>retry_policy.updated</code>" not in page


def test_bad_date_is_shown_beside_its_field(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/audit?from=31-12-2026").text
    assert 'id="from-error"' in page


def test_future_range_finds_nothing(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/audit?from=2099-01-01").text
    assert "No event matches these filters." in page


def test_pages_follow_the_sequence(client: TestClient, busy_org: Account) -> None:  # noqa: F811
    for n in range(25):
        client.patch("/v1/auth/org", json={"name": f"Shop {n}"}, headers=busy_org.headers)
    sign_in(client, busy_org.email)
    first = client.get("/console/audit").text
    assert 'rel="next"' in first
    newest = events(client, busy_org)[0]["seq"]
    second = client.get(f"/console/audit?cursor={newest - 24}").text
    assert f'id="e-{newest}"' not in second
    assert f'id="e-{newest - 25}"' in second


def test_verify_ok(client: TestClient, busy_org: Account) -> None:  # noqa: F811
    sign_in(client, busy_org.email)
    assert 'data-verify="ok"' in client.get("/console/audit?verify=1").text


def test_verify_names_the_edited_event(
    client: TestClient,
    engine: Engine,
    busy_org: Account,  # noqa: F811
) -> None:
    (changed,) = events(client, busy_org, action="retry_policy.created")
    sql = "UPDATE audit_event SET action = 'x' WHERE org_id = :org AND seq = :seq"
    tamper(engine, sql, org=busy_org.org_id, seq=changed["seq"])
    sign_in(client, busy_org.email)
    page = client.get("/console/audit?verify=1").text
    assert 'data-verify="failed"' in page
    assert f"at event {changed['seq']} " in page


def test_export_is_the_chain_and_is_recorded(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    lines = client.get("/console/audit/export.jsonl").text.splitlines()
    assert json.loads(lines[0])["type"] == "key"
    assert any(json.loads(line)["type"] == "event" for line in lines)
    exported = events(client, owner, action="audit.exported")
    assert exported[0]["actor"] == {"kind": "user", "id": owner.user_id}


def test_checkpoints_carry_the_public_key(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    body = client.get("/console/audit/checkpoints.json").json()
    api = client.get("/v1/audit/public-key", headers=owner.headers).json()
    assert body["key"] == api


def test_viewer_is_refused(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    assert client.get("/console/audit").status_code == 403
    assert client.get("/console/audit/export.jsonl").status_code == 403


def test_only_this_orgs_events(client: TestClient, owner: Account) -> None:
    other = register(client, org_name="Other Shop")
    client.patch("/v1/auth/org", json={"name": "Secret Rename"}, headers=other.headers)
    sign_in(client, owner.email)
    assert "Secret Rename" not in client.get("/console/audit").text
