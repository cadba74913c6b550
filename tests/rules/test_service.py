"""What the engine reads: `current_rules` and `rule_version`, against the real database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import Account, register
from tinko.rules import Comparison, RuleSpec, SendLinkAction, StopAction
from tinko.rules.service import current_rules, rule_version

EXPIRED = {"field": "category", "op": "eq", "value": "expired_card"}


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def session(client: TestClient) -> Iterator[Session]:
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as db:
        yield db


def _create(client: TestClient, account: Account, **overrides: Any) -> str:
    body = {"name": "rule", "conditions": EXPIRED, "actions": [{"type": "stop"}], **overrides}
    response = client.post("/v1/rules", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    rule_id: str = response.json()["id"]
    return rule_id


def _put(client: TestClient, account: Account, rule_id: str, **overrides: Any) -> None:
    body = {"name": "rule v2", "conditions": EXPIRED, "actions": [{"type": "stop"}], **overrides}
    response = client.put(f"/v1/rules/{rule_id}", json=body, headers=account.headers)
    assert response.status_code == 200, response.text


def test_current_rules_are_the_current_versions_as_rule_specs(
    client: TestClient, owner: Account, session: Session
) -> None:
    rule_id = _create(client, owner, priority=7)
    _put(client, owner, rule_id, priority=3, actions=[{"type": "send_link", "channels": ["sms"]}])
    assert current_rules(session, owner.org_id) == [
        RuleSpec(
            id=rule_id,
            version=2,
            name="rule v2",
            priority=3,
            enabled=True,
            conditions=Comparison("category", "eq", "expired_card"),
            actions=(SendLinkAction(channels=("sms",)),),
        )
    ]


def test_current_rules_include_disabled_and_leave_out_deleted(
    client: TestClient, owner: Account, session: Session
) -> None:
    disabled = _create(client, owner, enabled=False)
    deleted = _create(client, owner)
    assert client.delete(f"/v1/rules/{deleted}", headers=owner.headers).status_code == 204
    specs = current_rules(session, owner.org_id)
    assert [(spec.id, spec.enabled) for spec in specs] == [(disabled, False)]


def test_current_rules_are_the_orgs_own(
    client: TestClient, owner: Account, session: Session
) -> None:
    _create(client, owner)
    assert current_rules(session, register(client).org_id) == []


def test_an_old_version_stays_readable(
    client: TestClient, owner: Account, session: Session
) -> None:
    rule_id = _create(client, owner)
    _put(client, owner, rule_id, name="second")
    old = rule_version(session, owner.org_id, rule_id, 1)
    assert old is not None
    assert (old.version, old.name, old.actions) == (1, "rule", (StopAction(),))


def test_a_deleted_rules_versions_stay_readable(
    client: TestClient, owner: Account, session: Session
) -> None:
    rule_id = _create(client, owner)
    assert client.delete(f"/v1/rules/{rule_id}", headers=owner.headers).status_code == 204
    spec = rule_version(session, owner.org_id, rule_id, 1)
    assert spec is not None
    assert spec.id == rule_id


def test_a_missing_version_or_another_orgs_rule_is_none(
    client: TestClient, owner: Account, session: Session
) -> None:
    rule_id = _create(client, owner)
    other = register(client)
    assert rule_version(session, owner.org_id, rule_id, 2) is None
    assert rule_version(session, other.org_id, rule_id, 1) is None
