"""/v1/psp-credentials/{psp}: shape checks, a real verification call, encryption at rest."""

from __future__ import annotations

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories import Account, invite_and_join, register
from tests.psp import razorpay_objects as ro
from tests.psp import stripe_objects as so
from tests.psp.conftest import RAZORPAY_KEY_ID, RAZORPAY_SECRET, STRIPE_KEY
from tests.psp.stand_in import Reply, StandIn
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.kit.secretbox import SecretBox
from tinko.psp import credentials

URL = "/v1/psp-credentials"
STRIPE_BODY = {"secret_key": STRIPE_KEY, "publishable_key": "pk_test_51TinkoPublic0000"}


def _stored(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT fields_ciphertext, hints FROM psp_credential"))
        return [(str(r[0]), str(r[1])) for r in rows]


def test_saving_stripe_keys_verifies_them_and_shows_only_hints(
    client: TestClient, owner: Account, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    response = client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["configured"] is True
    assert body["livemode"] is False
    assert body["fields"]["secret_key"] == {"set": True, "hint": "sk_test_…0000"}
    assert body["verify_ok"] is True
    (seen,) = stand_in.requests_to("GET", "/v1/balance")
    assert seen.headers["authorization"] == f"Bearer {STRIPE_KEY}"
    listed = client.get(URL, headers=owner.headers).text
    assert STRIPE_KEY not in listed
    assert STRIPE_KEY not in response.text
    assert all(STRIPE_KEY not in cell for row in _stored(engine) for cell in row)


def test_a_key_of_the_wrong_shape_is_refused_before_any_call(
    client: TestClient, owner: Account, stand_in: StandIn, engine: Engine
) -> None:
    response = client.put(
        f"{URL}/stripe", json={"secret_key": "pk_test_oops12345"}, headers=owner.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "secret_key"]
    assert stand_in.seen == []
    assert _stored(engine) == []


def test_keys_the_psp_refuses_are_422_with_its_reason_and_not_stored(
    client: TestClient, owner: Account, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    response = client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=owner.headers)
    assert response.status_code == 422
    assert "Invalid API Key" in response.json()["detail"]
    assert _stored(engine) == []


def test_an_unreachable_psp_is_502_and_nothing_is_stored(
    client: TestClient, owner: Account, stand_in: StandIn, engine: Engine
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(503, so.api_error()))
    response = client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=owner.headers)
    assert response.status_code == 502
    assert response.json()["title"] == "Payment provider unavailable"
    assert _stored(engine) == []


def test_razorpay_keys_are_verified_with_basic_auth(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/orders", Reply(200, ro.collection([])))
    body = {"key_id": RAZORPAY_KEY_ID, "key_secret": RAZORPAY_SECRET}
    response = client.put(f"{URL}/razorpay", json=body, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["fields"]["key_secret"]["hint"] == "…0001"
    assert stand_in.requests_to("GET", "/v1/orders")[0].query == [("count", "1")]


def test_stripe_fields_are_not_razorpay_credentials(client: TestClient, owner: Account) -> None:
    response = client.put(f"{URL}/razorpay", json=STRIPE_BODY, headers=owner.headers)
    assert response.status_code == 422
    assert "not a razorpay credential" in response.json()["detail"]


def test_an_unknown_psp_is_404(client: TestClient, owner: Account) -> None:
    assert client.get(f"{URL}/paypal", headers=owner.headers).status_code == 404


def test_a_viewer_cannot_change_credentials(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    response = client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=viewer.headers)
    assert response.status_code == 403


def test_another_organisation_sees_no_credentials_of_the_first(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=owner.headers)
    other = register(client)
    assert client.get(f"{URL}/stripe", headers=other.headers).json()["configured"] is False
    assert client.post(f"{URL}/stripe/verify", headers=other.headers).status_code == 404
    assert client.delete(f"{URL}/stripe", headers=other.headers).status_code == 404
    assert client.get(f"{URL}/stripe", headers=owner.headers).json()["configured"] is True


def test_verify_reports_keys_that_stopped_working(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=owner.headers)
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    verdict = client.post(f"{URL}/stripe/verify", headers=owner.headers).json()
    assert verdict["ok"] is False
    assert "Invalid API Key" in verdict["detail"]
    assert client.get(f"{URL}/stripe", headers=owner.headers).json()["verify_ok"] is False


def test_deleting_removes_them(client: TestClient, owner: Account, stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    client.put(f"{URL}/stripe", json=STRIPE_BODY, headers=owner.headers)
    assert client.delete(f"{URL}/stripe", headers=owner.headers).status_code == 204
    assert client.get(f"{URL}/stripe", headers=owner.headers).json()["configured"] is False
    assert client.delete(f"{URL}/stripe", headers=owner.headers).status_code == 404


def test_a_new_encryption_key_reads_old_rows_and_rotation_moves_them(
    client: TestClient, owner: Account, clock: FrozenClock
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    keys = credentials.validate("stripe", {"secret_key": STRIPE_KEY})
    with unit_of_work(factory) as session:
        credentials.save(session, clock, SecretBox("", old_key), owner.org_id, keys, "ok")
    rotated = SecretBox("", f"{new_key},{old_key}")
    with unit_of_work(factory) as session:
        loaded = credentials.load(session, rotated, owner.org_id, "stripe")
        assert loaded is not None
        assert loaded.fields["secret_key"] == STRIPE_KEY
        assert credentials.rotate_all(session, rotated) == 1
    with unit_of_work(factory) as session:
        only_new = credentials.load(session, SecretBox("", new_key), owner.org_id, "stripe")
        assert only_new is not None
        assert only_new.fields["secret_key"] == STRIPE_KEY
