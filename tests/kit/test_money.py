"""Amounts as customers read them: Indian grouping whatever CLDR release Babel ships."""

from __future__ import annotations

import pytest

from tinko.kit.money import format_money, is_known_currency


@pytest.mark.parametrize("locale", ["en_IN", "hi_IN", "ta_IN", "hi-IN"])
def test_rupees_group_lakhs_and_crores_in_every_indian_locale(locale: str) -> None:
    assert format_money(1_234_567_800, "INR", locale) == "₹1,23,45,678.00"


def test_small_rupee_amounts_have_no_space_after_the_symbol() -> None:
    assert format_money(49_900, "INR", "ta_IN") == "₹499.00"


def test_indian_locales_keep_the_currencys_own_decimals() -> None:
    assert format_money(150_000, "JPY", "ta_IN") == "¥1,50,000"


def test_other_locales_keep_their_own_grouping() -> None:
    assert format_money(12_345_600, "USD", "en_US") == "$123,456.00"


@pytest.mark.parametrize("code", ["INR", "USD", "JPY", "XOF", "XAF", "XCD"])
def test_currencies_people_pay_in_are_known(code: str) -> None:
    assert is_known_currency(code)


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR", "CLF", "inr", "RUPEES"])
def test_iso_codes_that_are_not_money_are_not_currencies(code: str) -> None:
    assert not is_known_currency(code)
