from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account, register
from tests.psp.stand_in import StandIn, serve_stand_in
from tinko.config import Settings

STRIPE_KEY = "sk_test_51TinkoStandInKey0000"
RAZORPAY_KEY_ID = "rzp_test_TinkoKey0001"
RAZORPAY_SECRET = "TinkoStandInSecret00001"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with serve_stand_in() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, stand_in: StandIn) -> Settings:
    """The app's PSP calls go to the stand-in (TINKO_STRIPE_API_BASE / TINKO_RAZORPAY_API_BASE)."""
    return settings.model_copy(
        update={"stripe_api_base": stand_in.url, "razorpay_api_base": stand_in.url}
    )


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)
