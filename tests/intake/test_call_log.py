"""The inbound call log: API-key calls and webhook deliveries with their outcome, no bodies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account, register
from tests.intake import psp
from tests.intake.conftest import failure_body
from tinko.intake import calls
from tinko.intake.models import InboundCall
from tinko.kit.clock import FrozenClock

T0 = 1_793_000_000


def _calls(app: FastAPI) -> list[InboundCall]:
    app.state.call_recorder.flush()
    with app.state.session_factory() as session:
        return list(session.scalars(select(InboundCall).order_by(InboundCall.id)).all())


@pytest.fixture
def endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers)
    return dict(response.json())


def _stripe(
    client: TestClient, endpoint: dict[str, Any], body: str, secret: str | None = None
) -> int:
    headers = psp.stripe_headers(body, secret or endpoint["secret"])
    response = client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)
    return response.status_code


def test_api_key_call_is_logged_with_route_template_and_key(
    client: TestClient, app: FastAPI, owner: Account, key_headers: dict[str, str]
) -> None:
    body = failure_body(customer={"email": "secret.person@example.in"})
    client.post("/v1/events/payment_failed", json=body, headers=key_headers)
    client.get("/v1/recoveries/by_ref/order_1001", headers=key_headers)
    logged = [c for c in _calls(app) if c.kind == "api"]
    assert [(c.method, c.path, c.status) for c in logged] == [
        ("POST", "/v1/events/payment_failed", 202),
        ("GET", "/v1/recoveries/by_ref/{transaction_ref}", 200),
    ]
    assert {c.org_id for c in logged} == {owner.org_id}
    assert all(c.api_key_id and c.api_key_id.startswith("key") for c in logged)


def test_a_signed_in_persons_calls_are_not_logged(
    client: TestClient, app: FastAPI, owner: Account
) -> None:
    client.get("/v1/recoveries", headers=owner.headers)
    assert [c for c in _calls(app) if c.path == "/v1/recoveries"] == []


def test_webhook_outcomes_accepted_duplicate_and_bad_signature(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event(
        "payment_intent.payment_failed", psp.stripe_payment_intent_failed("pi_9"), created=T0
    )
    assert _stripe(client, endpoint, body) == 200
    assert _stripe(client, endpoint, body) == 200
    assert _stripe(client, endpoint, body, secret="whsec_wrong") == 400
    logged = [c for c in _calls(app) if c.kind == "webhook"]
    assert [c.outcome for c in logged] == ["accepted", "duplicate", "bad_signature"]
    assert logged[0].delivery_id is not None
    assert logged[1].delivery_id == logged[0].delivery_id
    assert logged[2].delivery_id is None
    assert {c.endpoint_id for c in logged} == {endpoint["id"]}


def test_unknown_endpoint_is_not_logged(client: TestClient, app: FastAPI) -> None:
    client.post("/v1/webhooks/stripe/whe_nope", content="{}")
    assert _calls(app) == []


def test_recent_calls_are_one_organisations_newest_first(
    client: TestClient, app: FastAPI, owner: Account, key_headers: dict[str, str]
) -> None:
    for ref in ("a", "b", "c"):
        client.get(f"/v1/recoveries/by_ref/{ref}", headers=key_headers)
    other = register(client)
    app.state.call_recorder.flush()
    with app.state.session_factory() as session:
        page = calls.recent_calls(session, owner.org_id, "api", limit=2)
        assert len(page.rows) == 2
        assert page.rows[0].id > page.rows[1].id
        rest = calls.recent_calls(session, owner.org_id, "api", after=page.next_after, limit=2)
        assert len(rest.rows) == 1
        assert rest.next_after is None
        assert calls.recent_calls(session, other.org_id, "api").rows == []


def test_prune_deletes_rows_older_than_the_keep(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    client.get("/v1/recoveries", headers=key_headers)
    _calls(app)
    clock.advance(calls.KEEP + timedelta(minutes=1))
    client.get("/v1/recoveries", headers=key_headers)
    app.state.call_recorder.flush()
    with app.state.session_factory.begin() as session:
        calls.prune(session, clock.now())
    assert len(_calls(app)) == 1
