"""POST /v1/orgs/init: onboarding in one call, all or nothing, idempotent."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories import invite_and_join, register
from tests.intake import psp
from tests.psp import stripe_objects as so
from tests.psp.stand_in import Reply, StandIn

URL = "/v1/orgs/init"
STRIPE_KEY = "sk_test_51TinkoStandInKey0000"


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "org": {
            "name": "Chai Point",
            "timezone": "Asia/Kolkata",
            "currency": "INR",
            "language": "hi",
        },
        "psp": {"name": "stripe", "secret_key": STRIPE_KEY},
        "policy_preset": "gentle",
    }
    return {**body, **changes}


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_init_sets_up_the_org_the_psp_its_webhook_and_the_policy(
    client: TestClient, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    owner = register(client)
    response = client.post(URL, json=_body(), headers=owner.headers)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["org"]["timezone"] == "Asia/Kolkata"
    assert out["org"]["default_currency"] == "INR"
    assert out["org"]["locale"] == "hi"
    assert out["psp"]["name"] == "stripe"
    assert out["webhook"]["url"].endswith(f"/v1/webhooks/stripe/{out['webhook']['id']}")
    assert out["webhook"]["secret"].startswith("whsec_")
    assert "payment_intent.payment_failed" in out["webhook"]["events"]
    assert out["onboarding"] == {"step": "live", "live": True}
    policy = client.get(f"/v1/retry-policies/{out['policy']['policy_id']}", headers=owner.headers)
    assert policy.json()["active"] is True
    assert policy.json()["windows"]["timezone"] == "Asia/Kolkata"
    saved = client.get("/v1/psp-credentials/stripe", headers=owner.headers).json()
    assert saved["configured"] is True


def test_the_webhook_secret_from_init_verifies_the_psps_events(
    client: TestClient, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    owner = register(client)
    hook = client.post(URL, json=_body(), headers=owner.headers).json()["webhook"]
    event = psp.stripe_payment_intent_failed("pi_onboard_1")
    body = psp.stripe_event("payment_intent.payment_failed", event, created=1_793_000_000)
    headers = psp.stripe_headers(body, hook["secret"])
    response = client.post(f"/v1/webhooks/stripe/{hook['id']}", content=body, headers=headers)
    assert response.status_code == 200, response.text


def test_a_refused_key_gives_the_psps_reason_and_stores_nothing(
    client: TestClient, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    owner = register(client)
    response = client.post(URL, json=_body(), headers=owner.headers)
    assert response.status_code == 422
    assert "Invalid API Key" in response.json()["detail"]
    org = client.get("/v1/auth/org", headers=owner.headers).json()
    assert org["timezone"] != "Asia/Kolkata"
    for table in ("psp_credential", "webhook_endpoint", "retry_policy", "onboarding_state"):
        assert _count(engine, table) == 0, table


def test_an_unreachable_psp_is_502_and_stores_nothing(
    client: TestClient, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(503, so.api_error()))
    owner = register(client)
    assert client.post(URL, json=_body(), headers=owner.headers).status_code == 502
    assert _count(engine, "onboarding_state") == 0


def test_bad_input_is_422_naming_each_field(client: TestClient, stand_in: StandIn) -> None:
    owner = register(client)
    body = _body(org={"name": "", "timezone": "Mars/Base", "currency": "RUPEES", "language": "fr"})
    response = client.post(URL, json=body, headers=owner.headers)
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    for field in ("name", "timezone", "currency", "language"):
        assert ("body", "org", field) in locs
    assert stand_in.seen == []


def test_a_key_of_the_wrong_shape_is_named_under_psp(client: TestClient, stand_in: StandIn) -> None:
    owner = register(client)
    body = _body(psp={"name": "stripe", "secret_key": "pk_test_oops12345"})
    response = client.post(URL, json=body, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "psp", "secret_key"]
    assert stand_in.seen == []


def test_the_same_idempotency_key_replays_the_first_answer_with_its_secret(
    client: TestClient, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    owner = register(client)
    headers = {**owner.headers, "Idempotency-Key": "onboard-1"}
    first = client.post(URL, json=_body(), headers=headers)
    again = client.post(URL, json=_body(), headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _count(engine, "webhook_endpoint") == 1
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT response_body FROM idempotency_record")).scalar()
    assert first.json()["webhook"]["secret"] not in str(stored)


def test_the_same_key_with_another_body_is_409(client: TestClient, stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    owner = register(client)
    headers = {**owner.headers, "Idempotency-Key": "onboard-2"}
    client.post(URL, json=_body(), headers=headers)
    other = client.post(URL, json=_body(policy_preset="persistent"), headers=headers)
    assert other.status_code == 409


def test_calling_again_without_a_key_duplicates_nothing(
    client: TestClient, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    owner = register(client)
    first = client.post(URL, json=_body(), headers=owner.headers).json()
    again = client.post(URL, json=_body(policy_preset="persistent"), headers=owner.headers).json()
    assert again["webhook"]["id"] == first["webhook"]["id"]
    assert again["webhook"]["secret"] is None
    assert again["policy"]["policy_id"] == first["policy"]["policy_id"]
    assert _count(engine, "webhook_endpoint") == 1
    assert _count(engine, "retry_policy") == 1


def test_the_sandbox_needs_no_keys_and_no_endpoint(client: TestClient, stand_in: StandIn) -> None:
    owner = register(client)
    body = _body(psp={"name": "sandbox"}, policy_preset="recommended")
    out = client.post(URL, json=body, headers=owner.headers).json()
    assert out["psp"]["name"] == "sandbox"
    assert out["webhook"] is None
    assert out["policy"] == {"preset": "recommended", "policy_id": None}
    assert stand_in.seen == []


def test_a_viewer_may_not_onboard(client: TestClient) -> None:
    owner = register(client)
    viewer = invite_and_join(client, owner, "viewer")
    body = _body(psp={"name": "sandbox"})
    assert client.post(URL, json=body, headers=viewer.headers).status_code == 403
