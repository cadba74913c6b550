"""A well-populated organisation, built through the API, for cross-tenant probes.

Every issue that adds org-owned objects adds a line here, so the isolation walk tries them.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Account, create_api_key, invite_and_join, register


def populate_org(client: TestClient) -> Account:
    owner = register(client, org_name="Victim Org")
    invite_and_join(client, owner, "admin")
    client.post("/v1/users", json={"email": "pending@victim.example"}, headers=owner.headers)
    create_api_key(client, owner)
    client.post("/v1/auth/password/forgot", json={"email": owner.email})
    return owner
