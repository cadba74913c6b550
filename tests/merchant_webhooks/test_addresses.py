"""SSRF: in prod a receiver must be public, at registration (422) and again at every send."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.factories import register
from tinko.config import Settings
from tinko.kit.clock import FrozenClock
from tinko.main import create_app
from tinko.merchant_webhooks import delivery
from tinko.merchant_webhooks.addresses import AddressRefused, check_url


@pytest.fixture
def prod_client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    prod = settings.model_copy(update={"env": "prod"})
    with TestClient(create_app(prod, clock=clock), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "http://93.184.216.34/hooks",  # public, but not https
    ],
)
def test_private_receiver_is_422_in_prod(prod_client: TestClient, url: str) -> None:
    owner = register(prod_client)
    body = {"url": url, "events": ["recovery.recovered"]}
    response = prod_client.post("/v1/merchant-webhooks", json=body, headers=owner.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "url"]


def test_public_address_passes() -> None:
    assert check_url("https://93.184.216.34/x", allow_private=False) == ("93.184.216.34", 443)


def test_ipv4_mapped_loopback_is_refused() -> None:
    with pytest.raises(AddressRefused):
        check_url("https://[::ffff:127.0.0.1]/x", allow_private=False)


def test_send_checks_the_address_again() -> None:
    outgoing = delivery.Outgoing("msg_1", "https://127.0.0.1:9/hooks", "{}", {})
    result = delivery.post(outgoing, allow_private=False)
    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith("refused")
