"""Where the checkout route may send a payer, whatever a PSP adapter or a bug hands it."""

from __future__ import annotations

import pytest

from tinko.pages.security import redirect_allowed

BASE = "https://pay.merchant.example"


@pytest.mark.parametrize(
    "url",
    [
        "https://checkout.stripe.com/c/pay/cs_test_a1",
        "https://rzp.io/i/AbC123",
        "https://pages.razorpay.com/pl_123/view",
        "https://pay.merchant.example/sandbox/checkout/tok",
    ],
)
def test_psp_checkouts_and_our_own_origin_are_allowed(url: str) -> None:
    assert redirect_allowed(url, BASE)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "http://checkout.stripe.com/c/pay/cs_test_a1",  # not over HTTPS
        "https://checkout.stripe.com.evil.example/",
        "https://evilrazorpay.com/",
        "https://checkout.stripe.com@evil.example/",
        "https://user:pw@checkout.stripe.com/",
        "https://checkout.stripe.com:8443/",
        "//evil.example/",
        "javascript:alert(1)",
        "https://pay.merchant.example:99999/",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    assert not redirect_allowed(url, BASE)
