from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.factories import STRONG_PASSWORD, login, register
from tinko.notify.models import OutboundMessage
from tinko.tenancy.models import Organization

PROBLEM = "application/problem+json"


def test_register_makes_first_user_owner(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register",
        json={"email": "Ana@Example.com", "password": STRONG_PASSWORD, "org_name": "Ana's Tea"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "owner"
    assert body["user"]["email"] == "ana@example.com"
    assert body["org"]["slug"] == "ana-s-tea"
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["org"]["id"].startswith("org_")
    assert body["user"]["id"].startswith("usr_")


def _register_again(client: TestClient, email: str) -> Response:
    body = {"email": email, "password": "quartz-Meadow-bicycle-58", "org_name": "Other"}
    return client.post("/v1/auth/register", json=body)


def _mails_to(engine: Engine, email: str) -> list[OutboundMessage]:
    with Session(engine) as session:
        query = select(OutboundMessage).where(OutboundMessage.recipient == email)
        return list(session.scalars(query).all())


def test_register_of_a_taken_email_answers_like_a_new_account(client: TestClient) -> None:
    fresh = client.post(
        "/v1/auth/register",
        json={"email": "new@example.com", "password": STRONG_PASSWORD, "org_name": "New"},
    )
    register(client, email="dup@example.com")
    again = _register_again(client, "DUP@example.com")
    assert again.status_code == fresh.status_code == 201
    assert again.json().keys() == fresh.json().keys()
    assert again.json()["user"].keys() == fresh.json()["user"].keys()
    assert again.json()["org"].keys() == fresh.json()["org"].keys()
    assert again.json()["user"]["email"] == "dup@example.com"


def test_register_of_a_taken_email_mails_the_holder(client: TestClient, engine: Engine) -> None:
    register(client, email="dup@example.com")
    _register_again(client, "dup@example.com")
    kinds = [mail.kind for mail in _mails_to(engine, "dup@example.com")]
    assert kinds == ["account_exists"]


def test_register_of_a_taken_email_changes_nothing(client: TestClient, engine: Engine) -> None:
    holder = register(client, email="dup@example.com")
    with Session(engine) as session:
        orgs_before = session.scalars(select(Organization.id)).all()
    again = _register_again(client, "dup@example.com").json()
    with Session(engine) as session:
        assert session.scalars(select(Organization.id)).all() == orgs_before
    assert login(client, holder.email).org_id == holder.org_id  # the old password still works
    decoy = {"Authorization": f"Bearer {again['access_token']}"}
    assert client.get("/v1/auth/me", headers=decoy).status_code == 401
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": again["refresh_token"]})
    assert refreshed.status_code == 401


def test_register_rejects_guessable_password(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register",
        json={"email": "x@example.com", "password": "password123", "org_name": "X"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "password"]
    assert "guess" in response.json()["detail"]


def test_register_rejects_short_password(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register", json={"email": "x@example.com", "password": "Zq9!kP", "org_name": "X"}
    )
    assert response.status_code == 422
    assert "10 characters" in response.json()["detail"]


def test_register_rejects_password_built_from_email(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register",
        json={
            "email": "marigold.fernsby@example.com",
            "password": "marigoldfernsby",
            "org_name": "X",
        },
    )
    assert response.status_code == 422


def test_register_missing_field_names_it(client: TestClient) -> None:
    response = client.post("/v1/auth/register", json={"email": "x@example.com"})
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["body", "password"] in locs
    assert ["body", "org_name"] in locs


def test_register_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


def test_register_wrong_types(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register", json={"email": 5, "password": ["a"], "org_name": {"x": 1}}
    )
    assert response.status_code == 422
    assert len(response.json()["errors"]) == 3


def test_register_accepts_unicode_names(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register",
        json={
            "email": "priya@example.in",
            "password": STRONG_PASSWORD,
            "org_name": "प्रिया की दुकान 🛍️",
            "name": "பிரியா",
        },
    )
    assert response.status_code == 201
    assert response.json()["org"]["name"] == "प्रिया की दुकान 🛍️"
    assert response.json()["user"]["name"] == "பிரியா"


def test_register_rejects_overlong_name_and_writes_nothing(client: TestClient) -> None:
    payload = {"email": "long@example.com", "password": STRONG_PASSWORD, "org_name": "n" * 201}
    assert client.post("/v1/auth/register", json=payload).status_code == 422
    payload["org_name"] = "fine"
    assert client.post("/v1/auth/register", json=payload).status_code == 201


def test_register_rejects_unknown_fields(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register",
        json={"email": "a@example.com", "password": STRONG_PASSWORD, "org_name": "A", "role": "x"},
    )
    assert response.status_code == 422


def test_login_returns_token_pair(client: TestClient) -> None:
    account = register(client)
    response = client.post(
        "/v1/auth/login", json={"email": account.email.upper(), "password": STRONG_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == account.user_id


def test_login_same_answer_for_unknown_email_and_wrong_password(client: TestClient) -> None:
    account = register(client)
    wrong = client.post("/v1/auth/login", json={"email": account.email, "password": "nope-nope-1"})
    unknown = client.post("/v1/auth/login", json={"email": "ghost@example.com", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["title"] == unknown.json()["title"]
