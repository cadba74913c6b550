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

# Onboarding's state row and its preset policy (on the sandbox: no PSP to ask here).
ONBOARDING_BODY: dict[str, Any] = {
    "org": {"name": "Victim Org", "timezone": "Asia/Kolkata", "currency": "INR", "language": "en"},
    "psp": {"name": "sandbox"},
    "policy_preset": "gentle",
    "go_live": False,
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
    _learned_slot(client, owner.org_id)
    for psp in ("stripe", "razorpay"):
        client.post("/v1/webhook-endpoints", json={"psp": psp}, headers=owner.headers)
    onboarding = client.post("/v1/orgs/init", json=ONBOARDING_BODY, headers=owner.headers)
    assert onboarding.status_code == 200, onboarding.text
    policy = client.post("/v1/retry-policies", json=RETRY_POLICY_BODY, headers=owner.headers)
    assert policy.status_code == 201, policy.text
    rule = client.post("/v1/rules", json=RULE_BODY, headers=owner.headers)
    assert rule.status_code == 201, rule.text
    second = {**RULE_BODY, "priority": 5}
    version = client.put(f"/v1/rules/{rule.json()['id']}", json=second, headers=owner.headers)
    assert version.status_code == 200, version.text
    template = client.post("/v1/templates", json=TEMPLATE_BODY, headers=owner.headers)
    assert template.status_code == 201, template.text
    _stripe_delivery(client, owner)
    client.app.state.runner.drain()  # type: ignore[attr-defined]  # jobs done: rows settle
    # The inbound call log is written in batches: write the victim's now, not mid-walk.
    client.app.state.call_recorder.flush()  # type: ignore[attr-defined]
    _roll_up_analytics(client)
    return owner


def _roll_up_analytics(client: TestClient) -> None:
    """The analytics rollup and its watermark are the victim's rows too."""
    from tinko.jobs.registry import JobContext, run_job

    state = client.app.state  # type: ignore[attr-defined]
    ctx = JobContext(state.settings, state.session_factory, state.clock)
    run_job(ctx, "analytics.refresh_rollups", {})


def _stripe_delivery(client: TestClient, owner: Account) -> None:
    """One stored PSP webhook delivery (and its inbound call row)."""
    from tests.intake import psp

    created = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers)
    endpoint = created.json()
    event = psp.stripe_payment_intent_failed("pi_victim_1")
    body = psp.stripe_event("payment_intent.payment_failed", event, created=1_793_000_000)
    headers = psp.stripe_headers(body, endpoint["secret"])
    response = client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)
    assert response.status_code == 200, response.text


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


def _learned_slot(client: TestClient, org_id: str) -> None:
    """A learned-timing slot outcome, as a retry planned by learned timing records it."""
    from tinko.db import unit_of_work
    from tinko.recovery import slot_stats

    app = client.app
    with unit_of_work(app.state.session_factory) as session:  # type: ignore[attr-defined]
        now = app.state.clock.now()  # type: ignore[attr-defined]
        slot_stats.record(session, org_id, "insufficient_funds/visa/d0h09", succeeded=True, now=now)
