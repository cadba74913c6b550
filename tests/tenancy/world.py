"""A well-populated organisation, built through the API, for cross-tenant probes.

Every issue that adds org-owned objects adds a line here, so the isolation walk tries them.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Account, create_api_key, invite_and_join, register
from tests.intake.conftest import failure_body


def populate_org(client: TestClient) -> Account:
    owner = register(client, org_name="Victim Org")
    invite_and_join(client, owner, "admin")
    client.post("/v1/users", json={"email": "pending@victim.example"}, headers=owner.headers)
    create_api_key(client, owner)
    client.post("/v1/auth/password/forgot", json={"email": owner.email})
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    for ref in ("victim_order_1", "victim_order_2"):
        body = failure_body(transaction_ref=ref)
        response = client.post("/v1/events/payment_failed", json=body, headers=key)
        assert response.status_code == 202, response.text
    for psp in ("stripe", "razorpay"):
        client.post("/v1/webhook-endpoints", json={"psp": psp}, headers=owner.headers)
    return owner
