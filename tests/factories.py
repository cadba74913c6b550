"""Small factory functions that act through the public API, as a merchant would."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

from fastapi.testclient import TestClient

STRONG_PASSWORD = "velvet-Harbour-lantern-93"
_sequence = count(1)


@dataclass
class Account:
    email: str
    password: str
    org_id: str
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(
    client: TestClient, *, org_name: str | None = None, email: str | None = None
) -> Account:
    n = next(_sequence)
    email = email or f"owner{n}@example.com"
    response = client.post(
        "/v1/auth/register",
        json={"email": email, "password": STRONG_PASSWORD, "org_name": org_name or f"Org {n}"},
    )
    assert response.status_code == 201, response.text
    return _account(response.json(), email, STRONG_PASSWORD)


def login(client: TestClient, email: str, password: str = STRONG_PASSWORD) -> Account:
    response = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return _account(response.json(), email, password)


def _account(body: dict[str, Any], email: str, password: str) -> Account:
    return Account(
        email=email,
        password=password,
        org_id=body["org"]["id"],
        user_id=body["user"]["id"],
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
    )


def outbox_token(client: TestClient, email: str) -> str:
    """The single-use token of the newest mail to `email` in the dev outbox."""
    from sqlalchemy import select

    from tinko.notify.models import OutboundMessage

    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        message = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.recipient == email)
            .order_by(OutboundMessage.id.desc())
        ).first()
    assert message is not None, f"no mail to {email}"
    for line in message.body_text.splitlines():
        if line.endswith("token: ") or ": " not in line:
            continue
        label, _, value = line.partition(": ")
        if label.endswith("token"):
            return value.strip()
    raise AssertionError("no token in the mail")


def invite_and_join(client: TestClient, owner: Account, role: str) -> Account:
    n = next(_sequence)
    email = f"{role}{n}@example.com"
    response = client.post("/v1/users", json={"email": email, "role": role}, headers=owner.headers)
    assert response.status_code == 201, response.text
    token = outbox_token(client, email)
    reset = client.post(
        "/v1/auth/password/reset", json={"token": token, "password": STRONG_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    return login(client, email)


def create_api_key(client: TestClient, owner: Account, role: str = "admin") -> dict[str, Any]:
    response = client.post(
        "/v1/api-keys", json={"name": f"server {role}", "role": role}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
