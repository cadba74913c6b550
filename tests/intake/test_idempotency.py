from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import Account, create_api_key
from tests.intake.conftest import failure_body
from tests.live import serve
from tinko.intake.models import IdempotencyRecord
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock
from tinko.payments.models import PaymentEvent

URL = "/v1/events/payment_failed"


def _events(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(PaymentEvent)) or 0)


def test_replay_returns_the_first_response(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    headers = {**key_headers, "Idempotency-Key": "k-1"}
    first = client.post(URL, json=failure_body(), headers=headers)
    again = client.post(URL, json=failure_body(), headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _events(app) == 1


def test_replay_returns_the_first_responses_bytes(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    headers = {**key_headers, "Idempotency-Key": "k-bytes"}
    first = client.post(URL, json=failure_body(), headers=headers)
    again = client.post(URL, json=failure_body(), headers=headers)
    assert again.content == first.content  # PostgreSQL's JSONB had reordered the keys
    assert again.headers["content-type"] == first.headers["content-type"]


def test_same_key_different_body_is_409(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    headers = {**key_headers, "Idempotency-Key": "k-2"}
    client.post(URL, json=failure_body(), headers=headers)
    response = client.post(URL, json=failure_body(amount=100), headers=headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert _events(app) == 1


def test_keys_are_scoped_to_the_organisation(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], owner: Account
) -> None:
    from tests.factories import register

    other = register(client)
    other_key = {"X-API-Key": create_api_key(client, other)["key"], "Idempotency-Key": "shared"}
    client.post(URL, json=failure_body(), headers={**key_headers, "Idempotency-Key": "shared"})
    response = client.post(URL, json=failure_body(), headers=other_key)
    assert response.status_code == 202
    assert "idempotent-replayed" not in response.headers
    assert _events(app) == 2


def test_failed_validation_does_not_consume_the_key(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    headers = {**key_headers, "Idempotency-Key": "k-3"}
    assert client.post(URL, json=failure_body(currency="XXXX"), headers=headers).status_code == 422
    assert client.post(URL, json=failure_body(), headers=headers).status_code == 202


def test_malformed_key_is_422(client: TestClient, key_headers: dict[str, str]) -> None:
    headers = {**key_headers, "Idempotency-Key": "has spaces in it"}
    assert client.post(URL, json=failure_body(), headers=headers).status_code == 422


def test_keys_are_kept_a_day_then_pruned(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    client.post(URL, json=failure_body(), headers={**key_headers, "Idempotency-Key": "k-4"})
    ctx = JobContext(app.state.settings, app.state.session_factory, clock)
    clock.advance(timedelta(hours=24))
    run_job(ctx, "intake.prune_idempotency", {})
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    clock.advance(timedelta(hours=25))
    run_job(ctx, "intake.prune_idempotency", {})
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_concurrent_requests_with_one_key_are_processed_once(
    app: FastAPI, client: TestClient, key_headers: dict[str, str]
) -> None:
    headers = {**key_headers, "Idempotency-Key": "race-1"}
    with serve(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:

        def send(_: int) -> httpx.Response:
            return http.post(URL, json=failure_body(), headers=headers)

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(send, range(8)))
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["event_id"] for r in responses}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 1
    assert _events(app) == 1
