from __future__ import annotations

import pytest

from tinko.kit.money import is_known_currency


@pytest.mark.parametrize("code", ["INR", "USD", "JPY", "XOF", "XAF", "XCD"])
def test_currencies_people_pay_in_are_known(code: str) -> None:
    assert is_known_currency(code)


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR", "CLF", "inr", "RUPEES"])
def test_iso_codes_that_are_not_money_are_not_currencies(code: str) -> None:
    assert not is_known_currency(code)
