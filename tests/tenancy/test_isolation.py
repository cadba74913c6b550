"""Walks the app's whole route table as a second organisation: nothing of the first may leak.

New routes are covered without touching this file: path parameters are filled with every id the
first organisation owns; routes that need a body to reach their lookup must have an example in
EXAMPLE_BODIES, and the test fails until they do.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.factories import Account, login, register
from tests.tenancy.world import RETRY_POLICY_BODY, RULE_BODY, TEMPLATE_BODY, populate_org
from tinko.models import Base

# Routes anyone may call: sign-up and sign-in, health, documentation.
PUBLIC_ROUTES = {
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/password/forgot"),
    ("POST", "/v1/auth/password/reset"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    # Authenticated by the PSP's signature with the endpoint's own secret, not by a caller.
    ("POST", "/v1/webhooks/stripe/{endpoint_id}"),
    ("POST", "/v1/webhooks/razorpay/{endpoint_id}"),
    # The payer's side of a recovery link: the signed token is the credential.
    ("GET", "/v1/recoveries/by_token/{token}"),
    ("POST", "/v1/recoveries/by_token/{token}/open"),
    ("POST", "/v1/recoveries/by_token/{token}/checkout"),
    ("GET", "/pay/{token}"),
    ("POST", "/pay/{token}/checkout"),
    ("GET", "/pay/{token}/success"),
    ("GET", "/pay/{token}/cancel"),
    # One-click opt-out: the signed token names the org, channel and recipient.
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    # The pages the reset and invitation mails link to: the mailed token is the credential.
    ("GET", "/console/reset-password"),
    ("POST", "/console/reset-password"),
    ("POST", "/console/reset-password/new"),
    ("GET", "/console/accept-invite"),
    ("POST", "/console/accept-invite"),
}
# A body valid enough to get past validation to the object lookup.
EXAMPLE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/v1/users/{user_id}"): {"role": "viewer"},
    ("PUT", "/v1/retry-policies/{policy_id}"): RETRY_POLICY_BODY,
    ("PATCH", "/v1/retry-policies/{policy_id}"): {"max_attempts": 1},
    ("PUT", "/v1/rules/{rule_id}"): RULE_BODY,
    ("POST", "/v1/recoveries/by_ref/{transaction_ref}/link"): {},
    ("PUT", "/v1/templates/{template_id}"): TEMPLATE_BODY,
    ("POST", "/v1/templates/{template_id}/preview"): {},
    ("PUT", "/v1/psp-credentials/{psp}"): {"secret_key": "sk_test_51AttackerKey00000"},
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    has_body: bool


def _routes(app: FastAPI) -> list[Route]:
    """Every operation the app serves, read from its OpenAPI document (which must list them all)."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            found.append(Route(method.upper(), path, "requestBody" in operation))
    return found


def _org_rows(engine: Engine, org_id: str) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if "org_id" in table.c:
                query = select(table).where(table.c.org_id == org_id)
            elif table.name == "organization":
                query = select(table).where(table.c.id == org_id)
            else:
                continue
            result = connection.execute(query.order_by(*table.primary_key.columns))
            rows[table.name] = [dict(r._mapping) for r in result]
    return rows


def _fingerprint(rows: dict[str, list[dict[str, Any]]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _secrets_of(rows: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Strings that must never reach another org: ids and email addresses of its rows."""
    found = set()
    for table_rows in rows.values():
        for row in table_rows:
            for key in ("id", "email", "recipient", "transaction_ref", "customer_email"):
                value = row.get(key)
                if isinstance(value, str) and len(value) > 6:
                    found.add(value)
    return found


@pytest.fixture
def victim(client: TestClient) -> Account:
    return populate_org(client)


def test_every_private_route_needs_credentials(client: TestClient, app: FastAPI) -> None:
    routes = _routes(app)
    assert len(routes) > len(PUBLIC_ROUTES)
    for route in routes:
        if (route.method, route.path) in PUBLIC_ROUTES:
            continue
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        response = client.request(route.method, path, json={})
        assert response.status_code == 401, f"{route.method} {route.path}: {response.status_code}"


def test_second_org_sees_nothing_of_the_first(
    client: TestClient, app: FastAPI, engine: Engine, victim: Account
) -> None:
    attacker = register(client, org_name="Attacker Org")
    before = _org_rows(engine, victim.org_id)
    secrets = _secrets_of(before)
    victim_ids = sorted(s for s in secrets if "@" not in s)
    assert len(victim_ids) >= 5, "the victim org should own several objects"
    assert before["analytics_daily"], "the victim's analytics rollup is walked too"
    assert before["analytics_case_facts"], "and its per-case facts"
    probed = 0
    for route in _routes(app):
        method = route.method
        if (method, route.path) in PUBLIC_ROUTES:
            continue
        params = re.findall(r"\{([^}]+)\}", route.path)
        body = EXAMPLE_BODIES.get((method, route.path), {})
        needs_example = params and route.has_body and (method, route.path) not in EXAMPLE_BODIES
        assert not needs_example, f"add an EXAMPLE_BODIES entry for {method} {route.path}"
        for values in itertools.product(victim_ids, repeat=len(params)) if params else [()]:
            path = route.path
            for name, value in zip(params, values, strict=True):
                path = path.replace("{" + name + "}", value)
            response = client.request(method, path, json=body, headers=attacker.headers)
            probed += 1
            if route.path == "/v1/auth/logout":  # that ends the attacker's session; sign in again
                attacker = login(client, attacker.email)
            leaked = [s for s in secrets if s in response.text]
            assert not leaked, f"{method} {path} leaked {leaked}"
            if params:
                assert response.status_code == 404, (
                    f"{method} {path} answered {response.status_code}, expected 404"
                )
    assert probed > len(victim_ids)
    after = _org_rows(engine, victim.org_id)
    assert _fingerprint(after) == _fingerprint(before), "another org changed the victim's rows"
