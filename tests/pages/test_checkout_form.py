"""POST /pay/{token}/checkout: the pay button, and every way a post can be refused."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.pages.conftest import PayerLink, form_nonce, make_link, pay_sandbox, recovery
from tinko.kit.clock import FrozenClock

EN = {"Accept-Language": "en"}


def _nonce(client: TestClient, link: PayerLink) -> str:
    return form_nonce(client.get(link.path).text)


def _post(
    client: TestClient, link: PayerLink, data: dict[str, str], **headers: str
) -> tuple[int, str, str]:
    response = client.post(
        f"{link.path}/checkout", data=data, headers={**EN, **headers}, follow_redirects=False
    )
    return response.status_code, response.headers.get("location", ""), response.text


def test_pay_button_redirects_to_the_hosted_checkout_for_the_method(
    client: TestClient, payer_link: PayerLink
) -> None:
    status, location, _ = _post(
        client, payer_link, {"nonce": _nonce(client, payer_link), "method": "netbanking"}
    )
    assert status == 303
    assert (
        location == f"http://127.0.0.1:8000/sandbox/checkout/{payer_link.token}?method=netbanking"
    )


def test_checkout_start_is_on_the_timeline(client: TestClient, payer_link: PayerLink) -> None:
    _post(client, payer_link, {"nonce": _nonce(client, payer_link), "method": "upi"})
    entries = [
        e for e in recovery(client, payer_link)["timeline"] if e["kind"] == "checkout_started"
    ]
    assert [e["detail"]["method"] for e in entries] == ["upi"]


def test_post_without_the_page_nonce_is_refused(client: TestClient, payer_link: PayerLink) -> None:
    status, location, text = _post(client, payer_link, {"method": "upi"})
    assert (status, location) == (400, "")
    assert "This page is out of date" in text


def test_nonce_of_another_link_is_refused(
    client: TestClient, payer_link: PayerLink, merchant_headers: dict[str, str]
) -> None:
    other = make_link(client, merchant_headers, "P2")
    status, _, _ = _post(client, payer_link, {"nonce": _nonce(client, other), "method": "upi"})
    assert status == 400


def test_nonce_older_than_its_lifetime_is_refused(
    client: TestClient, payer_link: PayerLink, clock: FrozenClock
) -> None:
    nonce = _nonce(client, payer_link)
    clock.advance(timedelta(hours=13))
    status, _, _ = _post(client, payer_link, {"nonce": nonce, "method": "upi"})
    assert status == 400


def test_cross_site_post_is_refused(client: TestClient, payer_link: PayerLink) -> None:
    data = {"nonce": _nonce(client, payer_link), "method": "upi"}
    status, location, _ = _post(client, payer_link, data, **{"Sec-Fetch-Site": "cross-site"})
    assert (status, location) == (403, "")


def test_method_the_page_did_not_offer_is_refused(
    client: TestClient, payer_link: PayerLink
) -> None:
    data = {"nonce": _nonce(client, payer_link), "method": "wallet"}
    status, location, _ = _post(client, payer_link, data)
    assert (status, location) == (400, "")


def test_redirect_target_cannot_come_from_the_request(
    client: TestClient, payer_link: PayerLink
) -> None:
    data = {
        "nonce": _nonce(client, payer_link),
        "method": "upi",
        "next": "https://evil.example/",
        "redirect_url": "https://evil.example/",
    }
    _, location, _ = _post(client, payer_link, data)
    assert location.startswith("http://127.0.0.1:8000/sandbox/checkout/")


def test_paid_case_sends_the_payer_back_to_the_page_not_to_checkout(
    client: TestClient, payer_link: PayerLink
) -> None:
    nonce = _nonce(client, payer_link)
    pay_sandbox(client, payer_link)
    status, location, _ = _post(client, payer_link, {"nonce": nonce, "method": "upi"})
    assert (status, location) == (303, payer_link.path)
    kinds = [e["kind"] for e in recovery(client, payer_link)["timeline"]]
    assert kinds.count("checkout_started") == 1  # only the one the payer paid on


def test_expired_link_cannot_start_a_checkout(
    client: TestClient, payer_link: PayerLink, clock: FrozenClock
) -> None:
    nonce = _nonce(client, payer_link)
    clock.advance(timedelta(hours=48, seconds=1))
    status, location, text = _post(client, payer_link, {"nonce": nonce, "method": "upi"})
    assert (status, location) == (410, "")
    assert "This payment link has expired" in text
