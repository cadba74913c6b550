"""Settings → Payment providers: masked hints, check again, replace, delete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import Account, invite_and_join, register
from tests.psp import stripe_objects as so
from tests.psp.stand_in import Reply, StandIn, serve_stand_in
from tinko.config import Settings

STRIPE_KEY = "sk_test_51TinkoStandInKey0000"
PAGE = "/console/settings/psp"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with serve_stand_in() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, stand_in: StandIn) -> Settings:
    return settings.model_copy(update={"stripe_api_base": stand_in.url})


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client)
    sign_in(client, account.email)
    return account


def _post(client: TestClient, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    token = csrf_of(client.get(PAGE).text)
    answer = client.post(path, data={"csrf": token, **(data or {})})
    return answer.status_code, answer.text


def test_saved_keys_show_only_their_hint(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    status, page = _post(client, f"{PAGE}/stripe", {"secret_key": STRIPE_KEY})
    assert status == 200
    assert "sk_test_…0000" in page
    assert STRIPE_KEY not in page
    assert client.get("/v1/psp-credentials/stripe", headers=owner.headers).json()["configured"]


def test_refused_keys_show_the_reason_and_are_not_saved(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    status, page = _post(client, f"{PAGE}/stripe", {"secret_key": STRIPE_KEY})
    assert status == 422
    assert "Invalid API Key" in page
    assert not client.get("/v1/psp-credentials/stripe", headers=owner.headers).json()["configured"]


def test_check_again_records_a_refusal(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    _post(client, f"{PAGE}/stripe", {"secret_key": STRIPE_KEY})
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    status, page = _post(client, f"{PAGE}/stripe/verify")
    assert status == 200
    assert "Invalid API Key" in page
    assert (
        client.get("/v1/psp-credentials/stripe", headers=owner.headers).json()["verify_ok"] is False
    )


def test_delete_removes_them(client: TestClient, owner: Account, stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    _post(client, f"{PAGE}/stripe", {"secret_key": STRIPE_KEY})
    _post(client, f"{PAGE}/stripe/delete")
    assert not client.get("/v1/psp-credentials/stripe", headers=owner.headers).json()["configured"]


def test_a_viewer_may_not_open_the_page(client: TestClient) -> None:
    first = register(client)
    viewer = invite_and_join(client, first, "viewer")
    sign_in(client, viewer.email)
    assert client.get(PAGE).status_code == 403
