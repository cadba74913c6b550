"""The sandbox answers Stripe's documented test PaymentMethods as Stripe's test mode does."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import register
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.psp.base import ChargeRequest, ChargeResult, PSPTerminalError
from tinko.psp.sandbox import SandboxPSP


def _charge(app: FastAPI, clock: FrozenClock, org_id: str, method: str) -> ChargeResult:
    with unit_of_work(app.state.session_factory) as session:
        return SandboxPSP(clock, session=session).charge(
            ChargeRequest(
                org_id=org_id,
                idempotency_key=f"att_{method}",
                payment_method_ref=method,
                amount_minor=49900,
                currency="INR",
            ),
        )


@pytest.mark.parametrize("method", ["pm_card_visa", "pm_card_mastercard", "pm_card_amex"])
def test_stripe_test_cards_approve(
    app: FastAPI, client: TestClient, clock: FrozenClock, method: str
) -> None:
    org_id = register(client).org_id
    assert _charge(app, clock, org_id, method).status == "succeeded"


@pytest.mark.parametrize(
    ("method", "code"),
    [
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_visa_chargeDeclinedStolenCard", "stolen_card"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
        ("pm_card_visa_chargeDeclined", "generic_decline"),
    ],
)
def test_stripe_decline_cards_decline_with_their_code(
    app: FastAPI, client: TestClient, clock: FrozenClock, method: str, code: str
) -> None:
    org_id = register(client).org_id
    result = _charge(app, clock, org_id, method)
    assert (result.status, result.decline_code) == ("declined", code)


def test_an_unknown_method_names_the_ones_that_exist(
    app: FastAPI, client: TestClient, clock: FrozenClock
) -> None:
    org_id = register(client).org_id
    with pytest.raises(PSPTerminalError, match="pm_card_visa"):
        _charge(app, clock, org_id, "pm_1NotASandboxCard")
