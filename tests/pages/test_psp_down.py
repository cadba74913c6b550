"""The payer page when the merchant's real PSP (Stripe, through its SDK) cannot be reached:
a local stand-in for Stripe's API accepts the key, then fails the checkout call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.pages.conftest import PayerLink, form_nonce, make_link, recovery
from tests.psp import stripe_objects
from tests.psp.stand_in import Reply, StandIn, serve_stand_in
from tinko.config import Settings

EN = {"Accept-Language": "en"}


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with serve_stand_in() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, stand_in: StandIn) -> Settings:
    return settings.model_copy(update={"stripe_api_base": stand_in.url})


@pytest.fixture
def stripe_link(
    client: TestClient, merchant_headers: dict[str, str], stand_in: StandIn
) -> PayerLink:
    stand_in.on("GET", "/v1/balance", Reply(200, stripe_objects.balance()))
    saved = client.put(
        "/v1/psp-credentials/stripe",
        json={"secret_key": "sk_test_Tinko123"},
        headers=merchant_headers,
    )
    assert saved.status_code == 200, saved.text
    stand_in.on("POST", "/v1/checkout/sessions", Reply(500, stripe_objects.api_error()))
    return make_link(client, merchant_headers, "S1", gateway="stripe")


def test_checkout_failure_shows_a_page_and_moves_nothing(
    client: TestClient, stripe_link: PayerLink, stand_in: StandIn
) -> None:
    nonce = form_nonce(client.get(stripe_link.path).text)
    response = client.post(
        f"{stripe_link.path}/checkout",
        data={"nonce": nonce, "method": "card"},
        headers=EN,
        follow_redirects=False,
    )
    assert response.status_code == 503
    assert "The payment service is not responding" in response.text
    assert "You have not been charged." in response.text
    assert stand_in.requests_to("POST", "/v1/checkout/sessions")
    kinds = [e["kind"] for e in recovery(client, stripe_link)["timeline"]]
    assert "checkout_started" not in kinds
