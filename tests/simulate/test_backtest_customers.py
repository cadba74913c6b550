"""`tinko backtest`: where the calibrated world's customers live when no flag says.

The currency names the country when it names one pay calendar
(src/tinko/policies/data/pay_calendars.yaml's aliases); the zone is the merchant's.
"""

from __future__ import annotations

from datetime import date

import pytest

from tinko.simulate.backtest import FailedPayment
from tinko.simulate.calibrate import calibrated_scenario
from tinko.simulate.scenario import Scenario


def _world(currency: str, gateway: str = "stripe", **flags: str) -> Scenario:
    amount = 50000 if currency == "JPY" else 4900
    failure = FailedPayment("insufficient_funds", amount, currency, "visa_card", date(2026, 3, 2))
    return calibrated_scenario("b", [failure], gateway, **flags)


@pytest.mark.parametrize(
    ("currency", "country"),
    [("INR", "IN"), ("JPY", "JP"), ("BRL", "BR"), ("MXN", "MX"), ("GBP", "GB"), ("USD", "US")],
)
def test_the_customers_country_follows_the_currency(currency: str, country: str) -> None:
    assert [c.code for c in _world(currency).countries] == [country]


def test_euro_customers_live_in_a_euro_country() -> None:
    assert [c.code for c in _world("EUR").countries] == ["FR"]


def test_the_customers_zone_defaults_to_the_merchants() -> None:
    world = _world("INR", "razorpay", merchant_tz="Asia/Kolkata")
    assert [c.timezone for c in world.countries] == ["Asia/Kolkata"]


def test_the_customer_zone_flag_wins_over_the_merchants() -> None:
    world = _world("USD", merchant_tz="Europe/Paris", customer_tz="America/Chicago")
    assert [c.timezone for c in world.countries] == ["America/Chicago"]
