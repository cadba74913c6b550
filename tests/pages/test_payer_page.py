"""GET /pay/{token}: what the payer sees, what is recorded, and the states of a link."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.pages.conftest import MERCHANT, PayerLink, make_link, pay_sandbox, recovery
from tinko.kit.clock import FrozenClock

EN = {"Accept-Language": "en-IN,en;q=0.9"}


def test_page_shows_merchant_amount_and_reason_in_plain_words(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(payer_link.path, headers=EN)
    assert page.status_code == 200
    assert "Kaveri Books &amp; Co" in page.text
    assert "₹1,23,456.00" in page.text
    assert "did not have enough money" in page.text


def test_recommended_method_comes_first_then_alternates_then_another_card(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(payer_link.path, headers=EN).text
    assert re.findall(r'name="method"[^>]*value="([a-z_]+)"', page) == ["upi", "netbanking", "card"]
    assert re.search(r'value="upi" checked', page)
    assert "Another card" in page


def test_first_open_goes_on_the_timeline_once(client: TestClient, payer_link: PayerLink) -> None:
    client.get(payer_link.path)
    client.get(payer_link.path)
    timeline = recovery(client, payer_link)["timeline"]
    assert [entry["kind"] for entry in timeline].count("link_opened") == 1


def test_page_shows_a_first_name_and_nothing_private(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(payer_link.path, headers=EN).text
    assert "Hello Asha," in page
    for private in ("Rao", "asha.rao@example.in", "9876543210", payer_link.ref, "rec_", "txn_"):
        assert private not in page


def test_security_headers_are_on_the_page(client: TestClient, payer_link: PayerLink) -> None:
    headers = client.get(payer_link.path).headers
    csp = headers["content-security-policy"]
    for directive in (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_forged_token_gets_a_friendly_404_page(client: TestClient, payer_link: PayerLink) -> None:
    body, _, signature = payer_link.token.partition(".")
    forged = f"{body[:-1]}{'A' if body[-1] != 'A' else 'B'}.{signature}"
    page = client.get(f"/pay/{forged}", headers=EN)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "We cannot find this payment link" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_expired_link_gets_a_410_page_naming_the_merchant(
    client: TestClient, payer_link: PayerLink, clock: FrozenClock
) -> None:
    clock.advance(timedelta(hours=48, seconds=1))
    page = client.get(payer_link.path, headers=EN)
    assert page.status_code == 410
    assert "This payment link has expired" in page.text
    assert f"ask {MERCHANT.replace('&', '&amp;')} to send you a new link" in page.text


def test_paid_case_shows_already_paid_and_no_pay_button(
    client: TestClient, payer_link: PayerLink
) -> None:
    pay_sandbox(client, payer_link)
    page = client.get(payer_link.path, headers=EN)
    assert page.status_code == 200
    assert "This payment is already complete" in page.text
    assert "<form" not in page.text


def test_paid_case_stays_paid_after_its_link_expires(
    client: TestClient, payer_link: PayerLink, clock: FrozenClock
) -> None:
    pay_sandbox(client, payer_link)
    clock.advance(timedelta(days=3))
    page = client.get(payer_link.path, headers=EN)
    assert page.status_code == 200
    assert "This payment is already complete" in page.text


def test_cancelled_case_is_closed_with_nothing_to_pay(
    client: TestClient, payer_link: PayerLink
) -> None:
    case_id = recovery(client, payer_link)["id"]
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=payer_link.headers)
    page = client.get(payer_link.path, headers=EN)
    assert page.status_code == 410
    assert "This payment request is closed" in page.text
    assert "<form" not in page.text


def test_payer_pages_are_rate_limited_per_ip_with_a_page(
    client: TestClient, payer_link: PayerLink
) -> None:
    statuses = [client.get(payer_link.path, headers=EN).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    limited = client.get(payer_link.path, headers=EN)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "Too many attempts" in limited.text


def test_payment_without_a_name_has_no_greeting(
    client: TestClient, merchant_headers: dict[str, str]
) -> None:
    link = make_link(client, merchant_headers, "P9", customer={"email": "x@example.in"})
    page = client.get(link.path, headers=EN).text
    assert "Hello" not in page
    assert "<h1>Your payment did not go through</h1>" in page
