from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.psp.stand_in import StandIn, serve_stand_in
from tinko.config import Settings


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with serve_stand_in() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, stand_in: StandIn) -> Settings:
    """PSP calls go to the adapters' stand-in (TINKO_STRIPE_API_BASE)."""
    return settings.model_copy(
        update={"stripe_api_base": stand_in.url, "razorpay_api_base": stand_in.url}
    )
