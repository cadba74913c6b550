"""The pages a payer comes back to from the hosted checkout: success and cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.pages.conftest import PayerLink, form_nonce, pay_sandbox, recovery

EN = {"Accept-Language": "en-IN"}


def test_success_after_paying_thanks_the_payer_with_the_amount(
    client: TestClient, payer_link: PayerLink
) -> None:
    pay_sandbox(client, payer_link)
    page = client.get(f"{payer_link.path}/success", headers=EN)
    assert page.status_code == 200
    assert "Thank you, your payment is complete" in page.text
    assert "Kaveri Books &amp; Co has received ₹1,23,456.00." in page.text


def test_success_url_alone_does_not_mark_anything_paid(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(
        f"{payer_link.path}/success",
        params={"status": "paid", "session_id": "cs_test_forged", "razorpay_payment_id": "pay_x"},
        headers=EN,
    )
    assert "Thank you" not in page.text
    assert recovery(client, payer_link)["status"] != "recovered"


def test_cancel_says_nothing_was_charged_and_offers_to_try_again(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(f"{payer_link.path}/cancel", headers=EN)
    assert page.status_code == 200
    assert "You have not been charged." in page.text
    assert f'href="{payer_link.path}"' in page.text


def test_cancel_after_paying_says_already_paid(client: TestClient, payer_link: PayerLink) -> None:
    pay_sandbox(client, payer_link)
    page = client.get(f"{payer_link.path}/cancel", headers=EN)
    assert "This payment is already complete" in page.text


def test_language_switch_on_a_return_page_keeps_its_parameters(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(f"{payer_link.path}/success", params={"session_id": "cs_1"}, headers=EN)
    assert f"{payer_link.path}/success?session_id=cs_1&amp;lang=hi" in page.text


def test_return_before_the_psp_has_a_payment_says_processing_and_looks_again(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(f"{payer_link.path}/success", headers=EN)
    assert page.status_code == 200
    assert "Your payment is being processed" in page.text
    assert '<meta http-equiv="refresh" content="10">' in page.text


def test_return_naming_a_checkout_that_is_not_ours_is_a_problem(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(
        f"{payer_link.path}/success", params={"session_id": "cs_test_forged"}, headers=EN
    )
    assert page.status_code == 400
    assert "We could not confirm this payment" in page.text
    assert recovery(client, payer_link)["status"] != "recovered"


def test_return_after_paying_on_the_hosted_checkout_records_the_payment_once(
    client: TestClient, payer_link: PayerLink
) -> None:
    nonce = form_nonce(client.get(payer_link.path).text)
    checkout = client.post(
        f"{payer_link.path}/checkout",
        data={"nonce": nonce, "method": "upi"},
        follow_redirects=False,
    )
    pay_sandbox(client, payer_link)
    assert checkout.status_code == 303
    for _ in range(2):
        assert "Thank you" in client.get(f"{payer_link.path}/success", headers=EN).text
    events = client.get(f"/v1/events/by_ref/{payer_link.ref}", headers=payer_link.headers).json()
    assert [e["kind"] for e in events["data"]].count("payment_succeeded") == 1
