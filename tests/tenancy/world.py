"""A well-populated organisation, built through the API, for cross-tenant probes.

Every issue that adds org-owned objects adds a line here, so the isolation walk tries them.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Account, create_api_key, invite_and_join, register
from tests.intake.conftest import failure_body

RETRY_POLICY_BODY: dict[str, Any] = {
    "name": "Victim policy",
    "max_attempts": 3,
    "initial_delay_minutes": 60,
    "backoff_multiplier": 2,
    "max_delay_minutes": 1440,
    "channels": ["email"],
    "windows": {"timezone": "Asia/Kolkata", "preset": "anytime"},
    "window_days": 14,
    "active": True,
}
RULE_BODY: dict[str, Any] = {
    "name": "Victim rule",
    "conditions": {"field": "category", "op": "eq", "value": "expired_card"},
    "actions": [{"type": "send_link", "channels": ["email"]}],
}

TEMPLATE_BODY: dict[str, Any] = {
    "channel": "email",
    "locale": "en",
    "name": "Victim template",
    "subject": "{{ merchant }}: payment",
    "body": "Pay {{ amount }} at {{ link }}",
}


def populate_org(client: TestClient) -> Account:
    owner = register(client, org_name="Victim Org")
    # Analytics (every /v1/analytics route is walked) with both holdout arms in play.
    holdout = client.patch("/v1/auth/org", json={"holdout_percent": 50}, headers=owner.headers)
    assert holdout.status_code == 200, holdout.text
    invite_and_join(client, owner, "admin")
    client.post("/v1/users", json={"email": "pending@victim.example"}, headers=owner.headers)
    create_api_key(client, owner)
    client.post("/v1/auth/password/forgot", json={"email": owner.email})
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    # A merchant webhook endpoint (nothing listens on port 9: its deliveries fail and are kept).
    hook = {"url": "http://127.0.0.1:9/hooks", "events": ["recovery.opened"]}
    endpoint = client.post("/v1/merchant-webhooks", json=hook, headers=owner.headers)
    assert endpoint.status_code == 201, endpoint.text
    for ref in ("victim_order_1", "victim_order_2"):
        body = failure_body(transaction_ref=ref)
        response = client.post("/v1/events/payment_failed", json=body, headers=key)
        assert response.status_code == 202, response.text
    link = client.post("/v1/recoveries/by_ref/victim_order_1/link", json={}, headers=key)
    assert link.status_code == 201, link.text
    checkout = client.post(f"/v1/recoveries/by_token/{link.json()['token']}/checkout", json={})
    assert checkout.status_code == 200, checkout.text
    _save_psp_credentials(client, owner.org_id)
    for psp in ("stripe", "razorpay"):
        client.post("/v1/webhook-endpoints", json={"psp": psp}, headers=owner.headers)
    policy = client.post("/v1/retry-policies", json=RETRY_POLICY_BODY, headers=owner.headers)
    assert policy.status_code == 201, policy.text
    rule = client.post("/v1/rules", json=RULE_BODY, headers=owner.headers)
    assert rule.status_code == 201, rule.text
    second = {**RULE_BODY, "priority": 5}
    version = client.put(f"/v1/rules/{rule.json()['id']}", json=second, headers=owner.headers)
    assert version.status_code == 200, version.text
    template = client.post("/v1/templates", json=TEMPLATE_BODY, headers=owner.headers)
    assert template.status_code == 201, template.text
    client.app.state.runner.drain()  # type: ignore[attr-defined]  # jobs done: rows settle
    return owner


def _save_psp_credentials(client: TestClient, org_id: str) -> None:
    """Stripe keys stored as the API would after verifying them (no PSP to ask here)."""
    from tinko.db import unit_of_work
    from tinko.psp import credentials

    app = client.app
    keys = credentials.validate("stripe", {"secret_key": "sk_test_51VictimSecretKey0000"})
    with unit_of_work(app.state.session_factory) as session:  # type: ignore[attr-defined]
        credentials.save(
            session,
            app.state.clock,
            app.state.secret_box,
            org_id,
            keys,
            "ok",  # type: ignore[attr-defined]
        )
