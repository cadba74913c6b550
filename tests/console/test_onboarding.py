"""The onboarding wizard, through the real forms: each step, resuming, a refused key, roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.console.conftest import csrf_of, sign_in
from tests.factories import STRONG_PASSWORD, Account, invite_and_join, register
from tests.intake import psp
from tests.psp import stripe_objects as so
from tests.psp.stand_in import Reply, StandIn, serve_stand_in
from tinko.config import Settings

STRIPE_KEY = "sk_test_51TinkoStandInKey0000"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with serve_stand_in() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, stand_in: StandIn) -> Settings:
    return settings.model_copy(update={"stripe_api_base": stand_in.url})


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client, org_name="Meena Textiles")
    sign_in(client, account.email)
    return account


def _post(client: TestClient, path: str, data: dict[str, str]) -> tuple[int, str, str]:
    token = csrf_of(client.get("/console/").text)
    answer = client.post(path, data={"csrf": token, **data}, follow_redirects=False)
    return answer.status_code, answer.headers.get("location", ""), answer.text


ORG = {"name": "Meena Textiles", "timezone": "Asia/Kolkata", "currency": "INR", "language": "ta"}


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_new_owner_starts_at_the_first_step(client: TestClient, owner: Account) -> None:
    answer = client.get("/console/onboarding", follow_redirects=False)
    assert answer.headers["location"] == "/console/onboarding/org"
    page = client.get("/console/onboarding/org").text
    assert 'value="Meena Textiles"' in page


def test_org_details_are_saved_and_lead_to_the_provider(client: TestClient, owner: Account) -> None:
    status, location, _ = _post(client, "/console/onboarding/org", ORG)
    assert (status, location) == (303, "/console/onboarding/psp")
    org = client.get("/v1/auth/org", headers=owner.headers).json()
    assert (org["timezone"], org["default_currency"], org["locale"]) == (
        "Asia/Kolkata",
        "INR",
        "ta",
    )


def test_bad_org_details_are_shown_at_their_fields(client: TestClient, owner: Account) -> None:
    status, _, page = _post(client, "/console/onboarding/org", {**ORG, "timezone": "Mars/Base"})
    assert status == 422
    assert 'id="timezone-error"' in page
    assert 'value="Mars/Base"' in page


def test_leaving_half_way_and_coming_back_resumes(client: TestClient, owner: Account) -> None:
    _post(client, "/console/onboarding/org", ORG)
    _post(client, "/console/onboarding/psp", {"psp": "sandbox"})
    client.post("/console/logout", data={"csrf": csrf_of(client.get("/console/").text)})
    page = client.get("/console/login")
    data = {"csrf": csrf_of(page.text), "email": owner.email, "password": STRONG_PASSWORD}
    signed_in = client.post("/console/login", data=data, follow_redirects=False)
    assert signed_in.headers["location"] == "/console/onboarding"
    answer = client.get("/console/onboarding", follow_redirects=False)
    assert answer.headers["location"] == "/console/onboarding/policy"


def test_stripe_keys_are_checked_and_the_secret_is_shown_once(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    _post(client, "/console/onboarding/org", ORG)
    status, _, page = _post(
        client, "/console/onboarding/psp", {"psp": "stripe", "secret_key": STRIPE_KEY}
    )
    assert status == 200
    assert "whsec_" in page
    assert "payment_intent.payment_failed" in page
    assert "whsec_" not in client.get("/console/onboarding/psp").text


def test_a_refused_key_shows_the_reason_and_stores_nothing(
    client: TestClient, owner: Account, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    status, _, page = _post(
        client, "/console/onboarding/psp", {"psp": "stripe", "secret_key": STRIPE_KEY}
    )
    assert status == 422
    assert "Invalid API Key" in page
    assert _count(engine, "psp_credential") == 0
    assert _count(engine, "webhook_endpoint") == 0


def test_the_check_turns_green_when_the_first_signed_webhook_arrives(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    _, _, page = _post(
        client, "/console/onboarding/psp", {"psp": "stripe", "secret_key": STRIPE_KEY}
    )
    assert (
        "Waiting for the first signed webhook"
        in client.get("/console/onboarding/webhook-check").text
    )
    secret = page.split("data-secret>")[1].split("<")[0]
    endpoint_id = page.split("/v1/webhooks/stripe/")[1].split("<")[0]
    body = psp.stripe_event(
        "payment_intent.payment_failed",
        psp.stripe_payment_intent_failed("pi_1"),
        created=1_793_000_000,
    )
    client.post(
        f"/v1/webhooks/stripe/{endpoint_id}", content=body, headers=psp.stripe_headers(body, secret)
    )
    assert "Received" in client.get("/console/onboarding/webhook-check").text


def test_a_preset_then_the_preview_on_a_scenario_then_live(
    client: TestClient, owner: Account
) -> None:
    _post(client, "/console/onboarding/org", ORG)
    _post(client, "/console/onboarding/psp", {"psp": "sandbox"})
    status, location, _ = _post(client, "/console/onboarding/policy", {"preset": "gentle"})
    assert (status, location) == (303, "/console/onboarding/preview")
    preview = client.get("/console/onboarding/preview")
    assert preview.status_code == 200
    assert 'data-kpi="preview_recovered"' in preview.text
    assert "india_d2c" in preview.text  # INR: the Indian scenario
    status, location, _ = _post(client, "/console/onboarding/live", {})
    assert location == "/console/onboarding/live"
    assert (
        client.get("/console/onboarding", follow_redirects=False)
        .headers["location"]
        .endswith("/live")
    )


def test_an_admin_is_not_shown_the_wizard(client: TestClient) -> None:
    first = register(client)
    admin = invite_and_join(client, first, "admin")
    sign_in(client, admin.email)
    assert client.get("/console/onboarding/org").status_code == 403
